using System.Text;

namespace PipShield.Bench.Data;

/// <summary>
/// Deterministic generators for benchmark inputs. The same count and seed give the same names on every run.
/// </summary>
/// <remarks>
/// <para>Listed names imitate threat feeds (phishing, malware, scam): about 45% <c>.com</c>, then cheap and
/// country TLDs; registrable labels of 5–20 characters that are DGA-like random strings, hex/number strings or
/// run-together dictionary words; about half of the entries are subdomains 1–3 levels deep
/// (<c>www.</c>, <c>login.</c>, <c>cdn-N.</c>, random hex), including clusters of names under free-hosting
/// parents (<c>*.000webhostapp.com</c>, <c>*.firebaseapp.com</c>, …) whose parent is itself not listed, and
/// siblings under an already used domain (so that some entries are children of a listed name).</para>
/// <para>Popular names imitate the Umbrella top list: 2–4 labels under well-known and made-up company
/// domains (<c>www.google.com</c>, <c>events.data.microsoft.com</c>). The caller filters them against the
/// listed set, so every returned name is guaranteed not to be covered by a rule.</para>
/// </remarks>
internal static class ListGenerator
{
    public const int DefaultSeed = 20_250_601;

    private static readonly (string Tld, double Weight)[] ThreatTlds =
    [
        ("com", 45), ("net", 6), ("org", 4), ("ru", 4), ("xyz", 3.5), ("top", 3.5), ("info", 3), ("cn", 2.5),
        ("de", 2), ("co.uk", 1.5), ("uk", 0.3), ("io", 2), ("shop", 2), ("online", 2), ("site", 2), ("br", 0.8),
        ("com.br", 0.8), ("in", 0.9), ("fr", 0.9), ("pl", 0.9), ("nl", 0.7), ("it", 0.7), ("es", 0.6), ("jp", 0.6),
        ("vn", 0.7), ("id", 0.5), ("ir", 0.4), ("tk", 0.7), ("ml", 0.4), ("cc", 0.7), ("me", 0.6), ("us", 0.5),
        ("ca", 0.4), ("com.au", 0.4), ("club", 0.7), ("live", 0.7), ("app", 0.6), ("icu", 0.7), ("buzz", 0.4),
        ("cfd", 0.4), ("sbs", 0.4), ("rest", 0.3), ("biz", 0.5), ("co", 0.5), ("ws", 0.2), ("su", 0.3),
        ("kr", 0.3), ("tw", 0.3), ("ua", 0.4), ("kz", 0.2), ("cz", 0.3), ("tr", 0.2), ("com.tr", 0.3),
        ("mx", 0.2), ("ar", 0.2), ("com.cn", 0.3), ("ro", 0.3), ("hu", 0.2), ("ch", 0.2), ("be", 0.2),
    ];

    private static readonly (string Tld, double Weight)[] PopularTlds =
    [
        ("com", 58), ("net", 16), ("org", 4), ("io", 3), ("co", 1), ("co.uk", 2), ("de", 2), ("jp", 1),
        ("fr", 1), ("ru", 2), ("cn", 2), ("tv", 1), ("me", 1), ("app", 1), ("dev", 1), ("cloud", 1),
        ("com.br", 1), ("in", 1), ("us", 1), ("ms", 0.5), ("edu", 0.5), ("gov", 0.5),
    ];

    private static readonly string[] FreeHosts =
    [
        "000webhostapp.com", "godaddysites.com", "weebly.com", "blogspot.com", "firebaseapp.com", "web.app",
        "netlify.app", "herokuapp.com", "wixsite.com", "duckdns.org", "workers.dev", "pages.dev", "github.io",
        "azurewebsites.net", "appspot.com", "r2.dev", "vercel.app", "glitch.me", "ddns.net", "ngrok-free.app",
    ];

    private static readonly string[] Words =
    [
        "secure", "login", "account", "verify", "update", "bank", "pay", "wallet", "support", "service", "online",
        "crypto", "bonus", "prize", "shop", "store", "deal", "cheap", "best", "free", "cloud", "mail", "web",
        "track", "parcel", "delivery", "post", "tax", "refund", "office", "micro", "soft", "docs", "drive",
        "share", "file", "auth", "sign", "portal", "help", "desk", "center", "global", "smart", "fast", "link",
        "click", "go", "top", "win", "lucky", "casino", "bet", "loan", "credit", "invest", "trade", "coin",
        "token", "swap", "claim", "gift", "card", "promo", "sale", "outlet", "fashion", "shoes", "bag", "watch",
        "health", "pharma", "pill", "diet", "news", "media", "tube", "video", "stream", "live", "game", "play",
        "data", "sync", "backup", "safe", "guard", "alert", "notice", "confirm", "validate", "recovery",
        "unlock", "reset", "team", "group", "corp", "hub", "zone", "world", "express", "direct", "mobile",
        "phone", "stats", "metrics", "ads", "push", "notify", "static", "assets", "img", "content", "download",
        "setup", "install", "driver", "player", "flash", "apple", "amazon", "netflix", "paypal", "chase",
        "wells", "fargo", "dhl", "usps", "fedex", "ups", "royal", "metamask", "binance", "coinbase", "steam",
        "discord", "office365", "outlook", "microsoft", "google", "meta", "insta", "whats", "telegram", "ledger",
        "trust", "exodus", "airdrop", "nft", "mint", "stake", "yield", "cash", "money", "rich", "fund", "usa",
        "euro", "asia", "us", "uk", "id", "my", "i", "e", "x", "pro", "plus", "max", "net", "app", "info",
    ];

    private static readonly string[] SubLabels =
    [
        "www", "login", "secure", "mail", "webmail", "m", "api", "app", "portal", "account", "accounts", "verify",
        "update", "auth", "signin", "online", "my", "support", "docs", "drive", "dl", "static", "track", "click",
        "ns1", "smtp", "pay", "billing", "id", "sso", "mobile", "web", "admin", "panel", "cpanel", "office",
    ];

    private static readonly string[] PopularBases =
    [
        "google", "googleapis", "gstatic", "googlevideo", "googleusercontent", "youtube", "ytimg", "doubleclick",
        "googlesyndication", "googletagmanager", "microsoft", "windows", "windowsupdate", "office", "office365",
        "live", "msn", "bing", "skype", "azure", "msedge", "apple", "icloud", "mzstatic", "amazon", "amazonaws",
        "cloudfront", "akamai", "akamaiedge", "akamaihd", "akadns", "edgekey", "edgesuite", "facebook", "fbcdn",
        "instagram", "whatsapp", "netflix", "nflxvideo", "spotify", "scdn", "twitter", "twimg", "tiktokcdn",
        "bytedance", "yahoo", "adobe", "dropbox", "zoom", "slack", "github", "githubusercontent", "cloudflare",
        "criteo", "outbrain", "taboola", "samsung", "xiaomi", "huawei", "qq", "baidu", "yandex", "vk", "roblox",
        "epicgames", "steampowered", "discord", "linkedin", "pinterest", "reddit", "redditmedia", "wikipedia",
        "wikimedia", "mozilla", "firefox", "digicert", "letsencrypt", "sentry", "datadoghq", "newrelic", "segment",
        "hotjar", "salesforce", "okta", "atlassian", "shopify", "stripe", "paypal", "ebay", "booking", "trafficmanager",
        "fastly", "jsdelivr", "unpkg", "cdnjs", "gravatar", "wordpress", "tumblr", "snapchat", "sc-cdn", "duckduckgo",
    ];

    private static readonly string[] PopularLabels =
    [
        "www", "api", "cdn", "static", "img", "images", "mail", "login", "accounts", "edge", "s", "e", "graph",
        "clients", "update", "play", "app", "assets", "ocsp", "time", "push", "ntp", "config", "telemetry",
        "settings", "dns", "ssl", "v10", "events", "data", "connect", "gateway", "auth", "content", "media",
        "video", "stats", "metrics", "collector", "beacons", "sync", "storage", "files", "download", "fonts",
        "maps", "analytics", "ads", "pixel", "tracking", "cdn2", "prod", "eu", "us", "global", "mobile", "web",
        "us-east-1", "eu-west-1", "ap-southeast-1", "ipv6", "ipv4", "dualstack", "origin", "www2", "portal",
    ];

    /// <summary>
    /// <paramref name="count"/> distinct threat-feed-like names, lower case, in list order.
    /// </summary>
    public static string[] GenerateListed(int count, int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var unique = new HashSet<string>(count, StringComparer.Ordinal);
        var names = new string[count];
        var recentBases = new string[1024]; // registrable names used lately: siblings share them
        int recent = 0;
        var text = new StringBuilder(64);
        int n = 0;
        while (n < count)
        {
            string name;
            double roll = random.NextDouble();
            if (roll < 0.09)
            {
                // Free hosting: <something>.000webhostapp.com; the host itself is not listed.
                string host = FreeHosts[Skewed(random, FreeHosts.Length)];
                name = HostingLabel(random, text) + "." + host;
            }
            else
            {
                string registrable;
                if (recent > 0 && random.NextDouble() < 0.12)
                {
                    registrable = recentBases[random.Next(Math.Min(recent, recentBases.Length))];
                }
                else
                {
                    registrable = RegistrableLabel(random, text) + "." + Pick(random, ThreatTlds);
                    recentBases[recent++ % recentBases.Length] = registrable;
                }

                // About 45% of the rest are subdomains: 1 level (60%), 2 (30%) or 3 (10%).
                if (random.NextDouble() < 0.45)
                {
                    double depthRoll = random.NextDouble();
                    int depth = depthRoll < 0.6 ? 1 : depthRoll < 0.9 ? 2 : 3;
                    text.Clear();
                    for (int d = 0; d < depth; d++)
                    {
                        text.Append(SubdomainLabel(random)).Append('.');
                    }

                    name = text.Append(registrable).ToString();
                }
                else
                {
                    name = registrable;
                }
            }

            if (name.Length <= 253 && unique.Add(name))
            {
                names[n++] = name;
            }
        }

        return names;
    }

    /// <summary>
    /// <paramref name="count"/> distinct popular-looking names for which <paramref name="isCovered"/> is false.
    /// </summary>
    public static string[] GeneratePopular(int count, Func<string, bool> isCovered, int seed = DefaultSeed + 1)
    {
        var random = new Random(seed);

        // A fixed population of registrable domains: well-known ones plus made-up company names.
        var bases = new List<string>();
        foreach (string b in PopularBases)
        {
            bases.Add(b + ".com");
        }

        var text = new StringBuilder(64);
        int madeUp = Math.Max(2_000, count / 25);
        for (int i = 0; i < madeUp; i++)
        {
            text.Clear();
            text.Append(Words[random.Next(Words.Length)]);
            if (random.NextDouble() < 0.6)
            {
                text.Append(Words[random.Next(Words.Length)]);
            }

            bases.Add(text.Append('.').Append(Pick(random, PopularTlds)).ToString());
        }

        var unique = new HashSet<string>(count, StringComparer.Ordinal);
        var names = new string[count];
        int n = 0;
        int attempts = 0;
        while (n < count)
        {
            if (++attempts > count * 50)
            {
                throw new InvalidOperationException($"Could not generate {count} unlisted popular names.");
            }

            // Bases are picked with a skew so well-known domains have many hosts under them.
            string registrable = bases[Skewed(random, bases.Count)];
            double roll = random.NextDouble();
            text.Clear();
            if (roll < 0.2)
            {
                // registrable alone
            }
            else if (roll < 0.7)
            {
                text.Append(PopularLabel(random)).Append('.');
            }
            else
            {
                text.Append(PopularLabel(random)).Append('.').Append(PopularLabel(random)).Append('.');
            }

            string name = text.Append(registrable).ToString();
            if (unique.Contains(name) || isCovered(name))
            {
                continue;
            }

            unique.Add(name);
            names[n++] = name;
        }

        return names;
    }

    /// <summary>A label to put in front of a listed name for a subdomain query.</summary>
    public static string QueryPrefix(Random random) => random.Next(6) switch
    {
        0 => "www",
        1 => "m",
        2 => "login",
        3 => "cdn-" + random.Next(1, 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => RandomString(random, "0123456789abcdef", 8),
    };

    private static string RegistrableLabel(Random random, StringBuilder text)
    {
        while (true)
        {
            text.Clear();
            double roll = random.NextDouble();
            int target = random.Next(5, 21);
            if (roll < 0.40)
            {
                // DGA-like: mostly letters, sometimes digits.
                const string chars = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789";
                for (int i = 0; i < target; i++)
                {
                    text.Append(chars[random.Next(chars.Length)]);
                }
            }
            else if (roll < 0.50)
            {
                // Hex or numeric, e.g. 2830022a41.
                string chars = random.Next(2) == 0 ? "0123456789abcdef" : "0123456789";
                for (int i = 0; i < target; i++)
                {
                    text.Append(chars[random.Next(chars.Length)]);
                }
            }
            else
            {
                // Dictionary words run together, sometimes with hyphens or a number: secure-paypal-login24.
                bool hyphens = random.NextDouble() < 0.35;
                while (text.Length < 5 || (text.Length < target && random.NextDouble() < 0.7))
                {
                    if (text.Length > 0 && hyphens)
                    {
                        text.Append('-');
                    }

                    text.Append(Words[random.Next(Words.Length)]);
                }

                if (random.NextDouble() < 0.2)
                {
                    text.Append(random.Next(1, 1000));
                }
            }

            if (text.Length is >= 5 and <= 20 && text[0] != '-')
            {
                return text.ToString();
            }
        }
    }

    private static string HostingLabel(Random random, StringBuilder text)
    {
        if (random.NextDouble() < 0.5)
        {
            return RandomString(random, "abcdefghijklmnopqrstuvwxyz0123456789", random.Next(6, 24));
        }

        text.Clear();
        int words = random.Next(2, 5);
        for (int i = 0; i < words; i++)
        {
            if (i > 0)
            {
                text.Append('-');
            }

            text.Append(Words[random.Next(Words.Length)]);
        }

        if (random.NextDouble() < 0.3)
        {
            text.Append('-').Append(random.Next(1, 10_000));
        }

        return text.ToString();
    }

    private static string SubdomainLabel(Random random)
    {
        double roll = random.NextDouble();
        return roll switch
        {
            < 0.60 => SubLabels[Skewed(random, SubLabels.Length)],
            < 0.75 => "cdn-" + random.Next(1, 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => RandomString(random, "0123456789abcdef", random.Next(6, 17)),
        };
    }

    private static string PopularLabel(Random random) =>
        random.NextDouble() < 0.85
            ? PopularLabels[Skewed(random, PopularLabels.Length)]
            : (random.Next(3) switch { 0 => "e", 1 => "a", _ => "s" })
                + random.Next(1, 10_000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string RandomString(Random random, string chars, int length)
    {
        return string.Create(length, (random, chars), static (span, state) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = state.chars[state.random.Next(state.chars.Length)];
            }
        });
    }

    /// <summary>An index in [0, count) with small indexes more likely (roughly 1/x).</summary>
    private static int Skewed(Random random, int count) =>
        Math.Min(count - 1, (int)Math.Floor(Math.Exp(random.NextDouble() * Math.Log(count + 1)) - 1));

    private static string Pick(Random random, (string Tld, double Weight)[] table)
    {
        double total = 0;
        foreach ((_, double w) in table)
        {
            total += w;
        }

        double roll = random.NextDouble() * total;
        foreach ((string tld, double w) in table)
        {
            roll -= w;
            if (roll < 0)
            {
                return tld;
            }
        }

        return table[^1].Tld;
    }
}
