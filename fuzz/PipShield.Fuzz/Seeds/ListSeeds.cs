using System.Text;
using PipShield.Blocklist.Parsing;

namespace PipShield.Fuzz.Seeds;

/// <summary>Seeds for the <c>lists</c> target (a format byte, then the list) and the lists the image seeds are compiled from.</summary>
internal static class ListSeeds
{
    public const string Hosts = """
        # malware hosts
        127.0.0.1	localhost
        ::1 localhost ip6-localhost
        0.0.0.0 malware-drop.example.net
        0.0.0.0 payload.example.org dropper.example.org   # two names
        127.0.0.1 cdn.malware-drop.example.com
        ::  ipv6-sinkhole.example.net
        0.0.0.0 bad_name!.example

        """;

    public const string Domains = """
        # phishing domains
        phish.example.net
        Account-Recovery.EXAMPLE.net.
        *.promo.example.com
        .paypa1-login.example
        secure-bank-update.example.org   # inline comment
        bücher.example
        xn--bcher-kva.example.org
        -bad-.example

        """;

    public const string Adblock = """
        [Adblock Plus 2.0]
        ! Title: threats
        ||tracker.example.com^
        ||cryptominer.example^$important
        ||*.ads.example.org^
        @@||ok.ads.example.org^
        ||third.example.org^$third-party
        example.org##.banner
        |anchored.example.org^
        0.0.0.0 hosts-style.example.net
        ||exa mple.org^

        """;

    public const string Rpz = """
        $TTL 300
        $ORIGIN rpz.example.
        @ IN SOA ns.example.net. admin.example.net. (
                2025010101 ; serial
                3600 600 86400 300 )
          IN NS ns.example.net.
        nx.example.org          CNAME .
        *.nx.example.org        CNAME .
        nodata.example.org      CNAME *.
        pass.example.org        CNAME rpz-passthru.
        drop.example.org 60 IN  CNAME rpz-drop.
        giftcard-scam.example.org A  192.0.2.10
                                AAAA 2001:db8::10
        abs.example.org.rpz.example. CNAME .
        32.1.2.0.192.rpz-ip     CNAME .
        48.zz.bad.db8.2001.rpz-ip CNAME rpz-drop.
        ns.example.net.rpz-nsdname CNAME .

        """;

    public const string Ip = """
        # c2 addresses
        198.51.100.0/24          # a whole range
        192.0.2.66               ; a single host
        192.0.2.128/26
        2001:db8:bad::/48
        2001:db8::c2
        127.0.0.2
        203.0.113.1-203.0.113.9
        10.0.0.0/33

        """;

    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        yield return ("hosts", Seed(ListFormat.Hosts, Hosts));
        yield return ("hosts-crlf-bom", Seed(ListFormat.Hosts, "\uFEFF0.0.0.0 a.example.net\r\n0.0.0.0 b.example.net\r\n"));
        yield return ("domains", Seed(ListFormat.Domains, Domains));
        yield return ("adblock", Seed(ListFormat.Adblock, Adblock));
        yield return ("rpz", Seed(ListFormat.Rpz, Rpz));
        yield return ("rpz-unclosed-paren", Seed(ListFormat.Rpz, "@ SOA ns.example. h.example. ( 1 2\nx.example CNAME .\n"));
        yield return ("ip", Seed(ListFormat.Ip, Ip));
    }

    private static byte[] Seed(ListFormat format, string text) => [(byte)format, .. Encoding.UTF8.GetBytes(text)];
}
