#!/usr/bin/env python3
"""Deterministic inputs for bench/load.sh.

Writes into OUT:
  blocked.domains.txt    NAMES distinct threat-feed-like names (for 'pipshield compile PATH:domains:malware')
  unbound-blocked.conf   the same names as unbound local-zones (always_null: A 0.0.0.0 / AAAA ::, like
                         PipShield's default sinkhole answer)
  unbound-blocked.rpz    the same names as an RPZ zone (name and *.name CNAME . = NXDOMAIN), for UNBOUND_MODE=rpz
  q-blocked.txt          dnsperf queries: listed names (50%) and subdomains of listed names (50%)
  q-cached.txt           dnsperf queries: CACHED distinct unlisted popular-looking names, each once
  q-half.txt             dnsperf queries: blocked and cached lines alternating
  probe.txt              one listed name and one allowed name, for start-up and sanity probes
Query types are 75% A and 25% AAAA. The same arguments always give the same files.
"""
import argparse
import os
import random

THREAT_TLDS = [
    ("com", 45), ("net", 6), ("org", 4), ("ru", 4), ("xyz", 3.5), ("top", 3.5), ("info", 3), ("cn", 2.5),
    ("de", 2), ("co.uk", 1.5), ("io", 2), ("shop", 2), ("online", 2), ("site", 2), ("br", 0.8),
    ("com.br", 0.8), ("in", 0.9), ("fr", 0.9), ("pl", 0.9), ("nl", 0.7), ("it", 0.7), ("es", 0.6), ("jp", 0.6),
    ("vn", 0.7), ("id", 0.5), ("ir", 0.4), ("tk", 0.7), ("ml", 0.4), ("cc", 0.7), ("me", 0.6), ("us", 0.5),
    ("ca", 0.4), ("com.au", 0.4), ("club", 0.7), ("live", 0.7), ("app", 0.6), ("icu", 0.7), ("buzz", 0.4),
    ("cfd", 0.4), ("sbs", 0.4), ("biz", 0.5), ("co", 0.5), ("su", 0.3), ("ua", 0.4), ("com.tr", 0.3),
]
POPULAR_TLDS = [
    ("com", 58), ("net", 16), ("org", 4), ("io", 3), ("co", 1), ("co.uk", 2), ("de", 2), ("jp", 1),
    ("fr", 1), ("ru", 2), ("cn", 2), ("tv", 1), ("me", 1), ("app", 1), ("dev", 1), ("cloud", 1),
]
FREE_HOSTS = [
    "000webhostapp.com", "godaddysites.com", "weebly.com", "blogspot.com", "firebaseapp.com", "web.app",
    "netlify.app", "herokuapp.com", "wixsite.com", "duckdns.org", "workers.dev", "pages.dev", "github.io",
    "azurewebsites.net", "appspot.com", "r2.dev", "vercel.app", "glitch.me", "ddns.net", "ngrok-free.app",
]
WORDS = (
    "secure login account verify update bank pay wallet support service online crypto bonus prize shop store "
    "deal cheap best free cloud mail web track parcel delivery post tax refund office micro soft docs drive "
    "share file auth sign portal help desk center global smart fast link click go top win lucky casino bet "
    "loan credit invest trade coin token swap claim gift card promo sale outlet fashion shoes bag watch health "
    "pharma pill news media tube video stream live game play data sync backup safe guard alert notice confirm "
    "recovery unlock reset team group corp hub zone world express direct mobile phone stats ads push notify "
    "static assets img content download setup install driver player apple amazon netflix paypal dhl usps fedex "
    "metamask binance coinbase steam discord outlook microsoft google telegram ledger trust airdrop nft mint "
    "stake cash money fund usa euro asia pro plus max"
).split()
SUB_LABELS = (
    "www login secure mail webmail m api app portal account accounts verify update auth signin online my "
    "support docs drive dl static track click ns1 smtp pay billing id sso mobile web admin panel cpanel office"
).split()
POPULAR_BASES = (
    "google googleapis gstatic googlevideo youtube ytimg doubleclick microsoft windowsupdate office live msn "
    "bing skype azure apple icloud mzstatic amazon amazonaws cloudfront akamaiedge akamaihd akadns edgekey "
    "facebook fbcdn instagram whatsapp netflix nflxvideo spotify twitter twimg tiktokcdn yahoo adobe dropbox "
    "zoom slack github githubusercontent cloudflare criteo samsung xiaomi qq baidu yandex vk roblox discord "
    "linkedin pinterest reddit wikipedia mozilla digicert letsencrypt sentry datadoghq salesforce okta "
    "atlassian shopify stripe ebay booking fastly jsdelivr gravatar wordpress snapchat duckduckgo"
).split()
POPULAR_LABELS = (
    "www api cdn static img images mail login accounts edge s e graph clients update play app assets ocsp time "
    "push ntp config telemetry settings dns ssl v10 events data connect gateway auth content media video stats "
    "metrics collector beacons sync storage files download fonts maps analytics pixel cdn2 prod eu us global "
    "mobile web us-east-1 eu-west-1 ipv6 dualstack origin www2 portal"
).split()
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"


def pick(rng, weighted):
    names, weights = zip(*weighted)
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)

    def choose():
        x = rng.random() * total
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return names[lo]
    return choose


def registrable_label(rng):
    roll = rng.random()
    if roll < 0.4:   # DGA-like random string
        return "".join(rng.choice(ALNUM[:26] if i == 0 else ALNUM) for i in range(rng.randint(6, 18)))
    if roll < 0.55:  # hex or digits
        return "".join(rng.choice(HEX) for _ in range(rng.randint(6, 16)))
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 3))]
    sep = "-" if rng.random() < 0.3 else ""
    label = sep.join(words)
    if rng.random() < 0.25:
        label += str(rng.randint(1, 999))
    return label[:40]


def sub_label(rng):
    roll = rng.random()
    if roll < 0.7:
        return rng.choice(SUB_LABELS)
    if roll < 0.85:
        return "cdn-%d" % rng.randint(1, 99)
    return "".join(rng.choice(HEX) for _ in range(rng.randint(4, 12)))


def listed_names(count, seed):
    rng = random.Random(seed)
    tld = pick(rng, THREAT_TLDS)
    seen = set()
    out = []
    recent = []
    while len(out) < count:
        roll = rng.random()
        if roll < 0.09:  # free hosting: <x>.000webhostapp.com, the host itself not listed
            name = registrable_label(rng) + "." + FREE_HOSTS[min(int(rng.expovariate(0.25)), len(FREE_HOSTS) - 1)]
        else:
            if recent and rng.random() < 0.12:
                base = rng.choice(recent)
            else:
                base = registrable_label(rng) + "." + tld()
                if len(recent) < 1024:
                    recent.append(base)
                else:
                    recent[rng.randrange(1024)] = base
            if rng.random() < 0.45:
                d = rng.random()
                depth = 1 if d < 0.6 else 2 if d < 0.9 else 3
                name = ".".join([sub_label(rng) for _ in range(depth)] + [base])
            else:
                name = base
        if len(name) <= 253 and name not in seen:
            seen.add(name)
            out.append(name)
    return out


def covered(name, listed):
    labels = name.split(".")
    for i in range(len(labels)):
        if ".".join(labels[i:]) in listed:
            return True
    return False


def allowed_names(count, seed, listed):
    rng = random.Random(seed)
    tld = pick(rng, POPULAR_TLDS)
    bases = [b + ".com" for b in POPULAR_BASES]
    for _ in range(max(2000, count // 10)):
        w = rng.choice(WORDS) + (rng.choice(WORDS) if rng.random() < 0.6 else "")
        bases.append(w + "." + tld())
    seen = set()
    out = []
    while len(out) < count:
        base = bases[min(int(rng.expovariate(1.0 / 300)), len(bases) - 1)] if rng.random() < 0.5 else rng.choice(bases)
        depth = rng.choice((1, 1, 1, 2, 2, 3))
        name = ".".join([rng.choice(POPULAR_LABELS) for _ in range(depth - 1)] +
                        [rng.choice(POPULAR_LABELS) + (str(rng.randint(1, 50)) if rng.random() < 0.5 else "")] + [base])
        if name not in seen and not covered(name, listed):
            seen.add(name)
            out.append(name)
    return out


def qtype(rng):
    return "A" if rng.random() < 0.75 else "AAAA"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=1_000_000)
    ap.add_argument("--blocked-queries", type=int, default=200_000)
    ap.add_argument("--cached", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=20250601)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    listed = listed_names(a.names, a.seed)
    listed_set = set(listed)
    with open(os.path.join(a.out, "blocked.domains.txt"), "w") as f:
        f.write("# bench/load/gen.py --names %d --seed %d\n" % (a.names, a.seed))
        f.writelines(n + "\n" for n in listed)
    with open(os.path.join(a.out, "unbound-blocked.conf"), "w") as f:
        f.write("server:\n")
        f.writelines('local-zone: "%s." always_null\n' % n for n in listed)
    with open(os.path.join(a.out, "unbound-blocked.rpz"), "w") as f:
        f.write("$ORIGIN rpz.local.\n$TTL 60\n@ SOA localhost. root.localhost. 1 3600 600 86400 60\n@ NS localhost.\n")
        f.writelines("%s CNAME .\n*.%s CNAME .\n" % (n, n) for n in listed)

    rng = random.Random(a.seed + 2)
    blocked_q = []
    for _ in range(a.blocked_queries):
        name = listed[rng.randrange(len(listed))]
        if rng.random() < 0.5:
            name = sub_label(rng) + "." + name
        blocked_q.append("%s %s\n" % (name, qtype(rng)))
    allowed = allowed_names(a.cached, a.seed + 1, listed_set)
    cached_q = ["%s %s\n" % (n, qtype(rng)) for n in allowed]
    with open(os.path.join(a.out, "q-blocked.txt"), "w") as f:
        f.writelines(blocked_q)
    with open(os.path.join(a.out, "q-cached.txt"), "w") as f:
        f.writelines(cached_q)
    with open(os.path.join(a.out, "q-half.txt"), "w") as f:
        for i, line in enumerate(blocked_q):
            f.write(line)
            f.write(cached_q[i % len(cached_q)])
    with open(os.path.join(a.out, "probe.txt"), "w") as f:
        f.write("%s\n%s\n" % (listed[0], allowed[0]))


if __name__ == "__main__":
    main()
