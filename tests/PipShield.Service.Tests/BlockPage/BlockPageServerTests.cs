using System.Net;
using System.Text;
using DnsClient;
using DnsClient.Protocol;

namespace PipShield.Service.Tests.BlockPage;

/// <summary>The warning page as a browser sees it: a real host on loopback, real HTTP and DNS clients.</summary>
public sealed class BlockPageServerTests
{
    private static string Text(HttpResponseMessage response) =>
        WebUtility.HtmlDecode(response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).Result);

    [Fact]
    public async Task BlockedName_ResolvesToThePage_WhichExplainsTheBlock()
    {
        await using var host = await BlockPageTestHost.StartAsync(new() { ["BlockPage:AddressIPv4"] = "127.0.0.1" });

        IDnsQueryResponse answer = await host.Dns.QueryAsync("login.phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        IPAddress sinkhole = Assert.Single(answer.Answers.ARecords()).Address;
        Assert.Equal(IPAddress.Loopback, sinkhole);
        using HttpResponseMessage response = await host.GetAsync("login.phish.example.net");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        string page = Text(response);
        Assert.Contains("login.phish.example.net", page);
        Assert.Contains("phishing", page);
        Assert.Contains("sample-phishing.domains.txt", page);
        Assert.Contains("Sam Example, your IT lead", page);
        Assert.Contains("Example Campaign", page);
        Assert.Contains("mailto:false-positive@example.org", page);
        Assert.DoesNotContain("no longer listed", page);
    }

    [Fact]
    public async Task UnlistedName_PageSaysItIsNoLongerListed()
    {
        await using var host = await BlockPageTestHost.StartAsync();

        using HttpResponseMessage response = await host.GetAsync("www.example.org");

        string page = Text(response);
        Assert.Contains("www.example.org", page);
        Assert.Contains("no longer listed", page);
        Assert.DoesNotContain("sample-phishing.domains.txt", page);
    }

    [Fact]
    public async Task Page_CarriesStrictSecurityHeaders_AndA403()
    {
        await using var host = await BlockPageTestHost.StartAsync();

        using HttpResponseMessage response = await host.GetAsync("phish.example.net");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task Page_IsSelfContained_Accessible_AndHasNoScript()
    {
        await using var host = await BlockPageTestHost.StartAsync();

        using HttpResponseMessage response = await host.GetAsync("phish.example.net");

        string html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<html lang=\"en\">", html);
        Assert.Contains("<main>", html);
        Assert.Contains("<header>", html);
        Assert.Contains("<h1>", html);
        Assert.Contains("<h2>", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/login.php?user=a&next=%2Fhome")]
    [InlineData("/%3Cscript%3Ealert(1)%3C/script%3E")]
    [InlineData("/a/b/c/d.js")]
    [InlineData("/favicon.ico")]
    public async Task Page_AnswersAnyPath_WithTheSamePage(string path)
    {
        await using var host = await BlockPageTestHost.StartAsync();

        using HttpResponseMessage response = await host.GetAsync("phish.example.net", path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        string html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("phish.example.net", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Head_GetsTheHeaders_WithoutABody()
    {
        await using var host = await BlockPageTestHost.StartAsync();

        using HttpResponseMessage response = await host.GetAsync("phish.example.net", "/", HttpMethod.Head);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    public static TheoryData<string> HostileHosts => new()
    {
        "<script>alert(1)</script>",
        "\"><script>alert(1)</script>",
        "phish.example.net\"onmouseover=\"alert(1)",
        "'quoted'.example.org",
        new string('a', 5000) + ".example.org",
        string.Join('.', Enumerable.Repeat(new string('b', 63), 5)),
        "ünïcödé.example.org",
        "xn--.example.org",
        "%3Cscript%3E.example.org",
        "",
    };

    [Theory]
    [MemberData(nameof(HostileHosts))]
    public async Task HostileHost_IsEncodedOrRejected_AndTheServerKeepsServing(string hostHeader)
    {
        await using var host = await BlockPageTestHost.StartAsync();

        string reply = await host.RawAsync(Encoding.UTF8.GetBytes($"GET / HTTP/1.1\r\nHost: {hostHeader}\r\nConnection: close\r\n\r\n"));

        // Kestrel turns away some malformed Host headers itself (400); whatever reaches the page is encoded.
        Assert.Matches(@"^HTTP/1\.1 (400|403|431) ", reply);
        Assert.DoesNotContain("<script", reply, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"onmouseover", reply, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("'quoted'", reply);
        using HttpResponseMessage next = await host.GetAsync("phish.example.net");
        Assert.Equal(HttpStatusCode.Forbidden, next.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", "You opened this page by its address")]
    [InlineData("bad..name.example.org", "could not be read")]
    public async Task HostThatIsNoName_GetsAPageSayingSo(string hostHeader, string expected)
    {
        await using var host = await BlockPageTestHost.StartAsync();

        string reply = await host.RawAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {hostHeader}\r\nConnection: close\r\n\r\n"));

        Assert.StartsWith("HTTP/1.1 403 ", reply);
        string page = WebUtility.HtmlDecode(reply);
        Assert.Contains(expected, page);
        Assert.DoesNotContain("no longer listed", page);
    }

    [Fact]
    public async Task IdnHost_ShowsTheALabel_AndItsUnicodeForm()
    {
        await using var host = await BlockPageTestHost.StartAsync();

        using HttpResponseMessage response = await host.GetAsync("xn--bcher-kva.example");

        string page = Text(response);
        Assert.Contains("xn--bcher-kva.example", page);
        Assert.Contains("bücher.example", page);
    }

    [Fact]
    public async Task BlockedAnswers_CarryTheConfiguredPageAddresses_WithA60SecondTtlByDefault()
    {
        await using var host = await BlockPageTestHost.StartAsync(new()
        {
            ["BlockPage:AddressIPv4"] = "192.0.2.80",
            ["BlockPage:AddressIPv6"] = "2001:db8::80",
        });

        IDnsQueryResponse a = await host.Dns.QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        IDnsQueryResponse aaaa = await host.Dns.QueryAsync("phish.example.net", QueryType.AAAA, cancellationToken: TestContext.Current.CancellationToken);

        ARecord v4 = Assert.Single(a.Answers.ARecords());
        AaaaRecord v6 = Assert.Single(aaaa.Answers.AaaaRecords());
        Assert.Equal(IPAddress.Parse("192.0.2.80"), v4.Address);
        Assert.Equal(IPAddress.Parse("2001:db8::80"), v6.Address);
        Assert.Equal(60, v4.InitialTimeToLive);
        Assert.Equal(60, v6.InitialTimeToLive);
    }

    [Fact]
    public async Task BlockedAnswers_UseTheFirstSpecificListenAddress_WhenNoAddressIsConfigured()
    {
        await using var host = await BlockPageTestHost.StartAsync();

        IDnsQueryResponse a = await host.Dns.QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(IPAddress.Loopback, Assert.Single(a.Answers.ARecords()).Address);
    }

    [Fact]
    public async Task ExplicitSinkhole_WinsOverThePageAddress()
    {
        await using var host = await BlockPageTestHost.StartAsync(new()
        {
            ["BlockPage:AddressIPv4"] = "192.0.2.80",
            ["Resolver:Policy:SinkholeIPv4"] = "192.0.2.1",
        });

        IDnsQueryResponse a = await host.Dns.QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.Single(a.Answers.ARecords()).Address);
    }

    [Fact]
    public async Task PageThatCannotListen_LeavesDnsWorking()
    {
        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int taken = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await using var host = await BlockPageTestHost.StartAsync(httpPort: taken);

        Assert.False(host.Page.IsServing);
        IDnsQueryResponse a = await host.Dns.QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Single(a.Answers.ARecords());
    }

    [Fact]
    public async Task DisabledPage_KeepsTheUnroutableSinkhole()
    {
        await using var host = await BlockPageTestHost.StartAsync(new() { ["BlockPage:Enabled"] = "false" });

        IDnsQueryResponse a = await host.Dns.QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(host.Page.IsServing);
        Assert.Equal(IPAddress.Any, Assert.Single(a.Answers.ARecords()).Address);
    }

    [Theory]
    [InlineData("BlockPage:HttpEndPoints:0", "port-eighty", "BlockPage:HttpEndPoints:0")]
    [InlineData("BlockPage:AddressIPv4", "0.0.0.0", "BlockPage:AddressIPv4")]
    [InlineData("BlockPage:AddressIPv6", "192.0.2.1", "BlockPage:AddressIPv6")]
    [InlineData("BlockPage:ReportAddress", "javascript:alert(1)", "BlockPage:ReportAddress")]
    [InlineData("BlockPage:MintedLifetime", "30.00:00:00", "BlockPage:MintedLifetime")]
    public async Task BadSettings_StopStartup_NamingTheKey(string key, string value, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => BlockPageTestHost.StartAsync(new() { [key] = value }));

        Assert.Contains(named, error.Message);
    }
}
