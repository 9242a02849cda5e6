using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

public sealed class RpzParserTests
{
    private const string Header = "$TTL 300\n@ SOA localhost. root.localhost. 1 43200 3600 86400 300\n  NS localhost.\n";

    [Fact]
    public void Parse_BlocksNameOnlyWithNxDomain_ForCnameToRoot()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("ads.example.org CNAME .", ListFormat.Rpz);

        Assert.Equal(new RecordedRule(1, "ads.example.org", DomainScope.NameOnly, Verdict.Blocked,
            RuleAction.NxDomain, "", false, default), rule);
    }

    [Fact]
    public void Parse_BlocksSubdomainsOnly_ForWildcardOwner()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("*.ads.example.org CNAME .", ListFormat.Rpz);

        Assert.Equal("ads.example.org", rule.Name);
        Assert.Equal(DomainScope.SubdomainsOnly, rule.Scope);
        Assert.Equal(RuleAction.NxDomain, rule.Action);
    }

    [Theory]
    [InlineData("CNAME *.", Verdict.Blocked, RuleAction.NoData)]
    [InlineData("CNAME rpz-drop.", Verdict.Blocked, RuleAction.Drop)]
    [InlineData("CNAME rpz-passthru.", Verdict.Allowed, RuleAction.Default)]
    [InlineData("CNAME RPZ-PASSTHRU.", Verdict.Allowed, RuleAction.Default)]
    [InlineData("CNAME ads.example.org.", Verdict.Allowed, RuleAction.Default)]
    [InlineData("cname .", Verdict.Blocked, RuleAction.NxDomain)]
    public void Parse_MapsPolicyAction_FromCnameTarget(string record, Verdict verdict, RuleAction action)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule($"ads.example.org {record}", ListFormat.Rpz);

        Assert.Equal(verdict, rule.Verdict);
        Assert.Equal(action, rule.Action);
        Assert.Equal("", rule.LocalData);
    }

    [Fact]
    public void Parse_SkipsTcpOnlyAction()
    {
        Assert.Equal(SkipReason.NonPolicyRecord, RecordingSink.ParseSingleSkip("ads.example.org CNAME rpz-tcp-only.", ListFormat.Rpz));
    }

    [Theory]
    [InlineData("CNAME walled.example.net.", "CNAME walled.example.net.")]
    [InlineData("A 192.0.2.1", "A 192.0.2.1")]
    [InlineData("a 192.0.2.1", "A 192.0.2.1")]
    [InlineData("AAAA 2001:db8::1", "AAAA 2001:db8::1")]
    [InlineData("TXT \"blocked; by policy\"", "TXT \"blocked; by policy\"")]
    [InlineData("TXT \"two\" \"strings\" ; comment", "TXT \"two\" \"strings\"")]
    [InlineData("CNAME *.walled.example.net.", "CNAME *.walled.example.net.")]
    public void Parse_BlocksWithLocalData_ForOtherRecords(string record, string localData)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule($"ads.example.org 300 IN {record}", ListFormat.Rpz);

        Assert.Equal(Verdict.Blocked, rule.Verdict);
        Assert.Equal(RuleAction.LocalData, rule.Action);
        Assert.Equal(localData, rule.LocalData);
        Assert.Equal(DomainScope.NameOnly, rule.Scope);
    }

    [Theory]
    [InlineData("A 192.0.2.256", "'192.0.2.256' is not an IPv4 address for an A record")]
    [InlineData("A 2001:db8::1", "'2001:db8::1' is not an IPv4 address for an A record")]
    [InlineData("A 1.2", "'1.2' is not an IPv4 address for an A record")]
    [InlineData("AAAA 192.0.2.1", "'192.0.2.1' is not an IPv6 address for an AAAA record")]
    [InlineData("A", "A record has no address")]
    [InlineData("A 192.0.2.1 192.0.2.2", "A record has more than one address")]
    [InlineData("CNAME", "CNAME record has no target")]
    [InlineData("TXT", "TXT record has no text")]
    [InlineData("FOO bar", "unknown record type 'FOO'")]
    public void Parse_ReportsError_ForBadRecordData(string record, string reason)
    {
        Assert.Equal((1, reason), RecordingSink.ParseSingleError($"ads.example.org {record}", ListFormat.Rpz));
    }

    [Theory]
    [InlineData("MX 10 mail.example.net.")]
    [InlineData("SRV 0 0 443 svc.example.net.")]
    [InlineData("TYPE65534 \\# 0")]
    [InlineData("CH TXT \"chaos\"")]
    public void Parse_SkipsRecordsThatAreNotPolicy(string record)
    {
        Assert.Equal(SkipReason.NonPolicyRecord, RecordingSink.ParseSingleSkip($"ads.example.org {record}", ListFormat.Rpz));
    }

    [Fact]
    public void Parse_SkipsSoaAndNs_AtTheApex_IncludingIndentedContinuation()
    {
        RecordingSink sink = RecordingSink.Parse(Header + "ads.example.org CNAME .\n", ListFormat.Rpz);

        Assert.Equal([(2, SkipReason.NonPolicyRecord), (3, SkipReason.NonPolicyRecord)], sink.Skips);
        Assert.Equal(4, Assert.Single(sink.Rules).Line);
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public void Parse_GivesIndentedRecord_ThePreviousOwner()
    {
        RecordingSink sink = RecordingSink.Parse("ads.example.org A 192.0.2.1\n\tAAAA 2001:db8::1\n", ListFormat.Rpz);

        Assert.Equal(["ads.example.org A 192.0.2.1", "ads.example.org AAAA 2001:db8::1"],
            sink.Rules.Select(r => $"{r.Name} {r.LocalData}"));
    }

    [Fact]
    public void Parse_ReportsError_ForIndentedRecordWithNoEarlierOwner()
    {
        (int line, string reason) = RecordingSink.ParseSingleError("; c\n   CNAME .\n", ListFormat.Rpz);

        Assert.Equal(2, line);
        Assert.Contains("no owner name", reason);
    }

    [Theory]
    [InlineData("ads.example.org 300 IN CNAME .")]
    [InlineData("ads.example.org IN 300 CNAME .")]
    [InlineData("ads.example.org 1h30m CNAME .")]
    [InlineData("ads.example.org in cname .")]
    [InlineData("ads.example.org\tCNAME\t.\t; comment")]
    [InlineData("ads.example.org ( CNAME . )")]
    public void Parse_AcceptsOptionalTtlAndClass_InEitherOrder(string line)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule(line, ListFormat.Rpz);

        Assert.Equal("ads.example.org", rule.Name);
        Assert.Equal(RuleAction.NxDomain, rule.Action);
    }

    [Fact]
    public void Parse_StripsOrigin_FromAbsoluteOwners_AndKeepsRelativeOnes()
    {
        RecordingSink sink = RecordingSink.Parse(
            "$ORIGIN rpz.example.\n" +
            "@ SOA ns.example.net. admin.example.net. 1 3600 600 86400 300\n" +
            "relative.example.org CNAME .\n" +
            "absolute.example.org.rpz.example. CNAME .\n" +
            "*.wild.example.org.RPZ.EXAMPLE. CNAME .\n", ListFormat.Rpz);

        Assert.Empty(sink.Errors);
        Assert.Equal((2, SkipReason.NonPolicyRecord), Assert.Single(sink.Skips));
        Assert.Equal(["relative.example.org NameOnly", "absolute.example.org NameOnly", "wild.example.org SubdomainsOnly"],
            sink.Rules.Select(r => $"{r.Name} {r.Scope}"));
    }

    [Fact]
    public void Parse_ReadsRelativeOwners_AgainstANestedOrigin()
    {
        RecordingSink sink = RecordingSink.Parse(
            "$ORIGIN rpz.example.\n$ORIGIN example.org.rpz.example.\nads CNAME .\n@ CNAME .\n$ORIGIN net.rpz.example.\nexample CNAME .\n",
            ListFormat.Rpz);

        Assert.Empty(sink.Errors);
        Assert.Equal(["ads.example.org", "example.org", "example.net"], sink.Rules.Select(r => r.Name));
    }

    [Fact]
    public void Parse_ReportsError_ForAbsoluteOwnerOutsideTheZone()
    {
        (_, string reason) = RecordingSink.ParseSingleError("$ORIGIN rpz.example.\nads.example.org. CNAME .\n", ListFormat.Rpz);

        Assert.Equal("owner 'ads.example.org.' is outside the zone 'rpz.example.'", reason);
    }

    [Fact]
    public void Parse_TakesZoneFromAbsoluteSoaOwner_WhenThereIsNoOrigin()
    {
        RecordingSink sink = RecordingSink.Parse(
            "rpz.example. SOA ns.example.net. admin.example.net. 1 3600 600 86400 300\n" +
            "  NS ns.example.net.\n" +
            "ads.example.org.rpz.example. CNAME .\n", ListFormat.Rpz);

        Assert.Empty(sink.Errors);
        Assert.Equal(2, sink.Skips.Count);
        Assert.Equal("ads.example.org", Assert.Single(sink.Rules).Name);
    }

    [Fact]
    public void Parse_ResolvesRelativeCnameTarget_AgainstOrigin()
    {
        RecordingSink sink = RecordingSink.Parse("$ORIGIN rpz.example.\nads.example.org CNAME walled\n", ListFormat.Rpz);

        Assert.Equal("CNAME walled.rpz.example.", Assert.Single(sink.Rules).LocalData);
    }

    [Fact]
    public void Parse_ReportsError_ForRelativeCnameTargetWithoutOrigin()
    {
        (_, string reason) = RecordingSink.ParseSingleError("ads.example.org CNAME rpz-passthru", ListFormat.Rpz);

        Assert.Contains("is relative", reason);
    }

    [Fact]
    public void Parse_JoinsParenthesisedRecord_AcrossLines()
    {
        RecordingSink sink = RecordingSink.Parse(
            "$TTL 1h\n" +
            "@ IN SOA ns.example.net. admin.example.net. ( ; multi-line SOA\n" +
            "        2025010101 ; serial\n" +
            "        3600 600 86400\n" +
            "        300 )\n" +
            "  IN NS ns.example.net.\n" +
            "ads.example.org TXT ( \"first\"\n" +
            "   \"second\" )\n" +
            "track.example.org CNAME .\n", ListFormat.Rpz);

        Assert.Empty(sink.Errors);
        Assert.Equal([(2, SkipReason.NonPolicyRecord), (6, SkipReason.NonPolicyRecord)], sink.Skips);
        Assert.Equal(["7: ads.example.org TXT \"first\" \"second\"", "9: track.example.org "],
            sink.Rules.Select(r => $"{r.Line}: {r.Name} {r.LocalData}"));
    }

    [Fact]
    public void Parse_ReportsUnterminatedParenthesis_AtTheRecordStart()
    {
        RecordingSink sink = RecordingSink.Parse("ads.example.org CNAME .\n@ SOA ns.example.net. admin.example.net. ( 1 2 3\n4 5\n", ListFormat.Rpz);

        Assert.Single(sink.Rules);
        Assert.Equal((2, "unterminated parenthesis"), Assert.Single(sink.Errors));
    }

    [Theory]
    [InlineData("ads.example.org TXT \"open", "unterminated quoted string")]
    [InlineData("ads.example.org CNAME . )", "')' without a matching '('")]
    [InlineData("ads.example.org ( ( CNAME . ) )", "nested parenthesis")]
    [InlineData("ads.example.org", "record has no type")]
    [InlineData("ads.example.org 300 IN", "record has no type")]
    [InlineData("$INCLUDE other.zone", "'$INCLUDE' is not supported")]
    [InlineData("$GENERATE 1-10 host$ CNAME .", "'$GENERATE' is not supported")]
    [InlineData("$FOO bar", "unknown directive '$FOO'")]
    [InlineData("$TTL", "$TTL needs a time value")]
    [InlineData("$ORIGIN relative", "relative $ORIGIN 'relative' with no absolute origin before it")]
    [InlineData("* CNAME .", "owner '*' would match every name")]
    [InlineData("*. CNAME .", "owner '*' would match every name")]
    [InlineData("ads.*.example.org CNAME .", "owner 'ads.*.example.org' has a '*' that is not a leading '*.' label")]
    public void Parse_ReportsError_ForMalformedLine(string line, string reason)
    {
        Assert.Equal((1, reason), RecordingSink.ParseSingleError(line, ListFormat.Rpz));
    }

    [Fact]
    public void Parse_ReportsErrorForContinuation_OfRejectedOwner()
    {
        RecordingSink sink = RecordingSink.Parse("$ORIGIN rpz.example.\nads.example.org. A 192.0.2.1\n  AAAA 2001:db8::1\n", ListFormat.Rpz);

        Assert.Equal([2, 3], sink.Errors.Select(e => e.Line));
        Assert.Equal("record continues an owner name that was rejected", sink.Errors[1].Reason);
    }

    [Theory]
    [InlineData("32.1.2.0.192.rpz-ip", "192.0.2.1", 32)]
    [InlineData("24.0.2.0.192.rpz-ip", "192.0.2.0", 24)]
    [InlineData("24.99.2.0.192.rpz-ip", "192.0.2.0", 24)]
    [InlineData("8.0.0.0.10.RPZ-IP", "10.0.0.0", 8)]
    [InlineData("128.1.zz.db8.2001.rpz-ip", "2001:db8::1", 128)]
    [InlineData("48.zz.db8.2001.rpz-ip", "2001:db8::", 48)]
    [InlineData("128.zz.1.rpz-ip", "1::", 128)]
    [InlineData("128.1.zz.rpz-ip", "::1", 128)]
    [InlineData("128.8.7.6.5.4.3.db8.2001.rpz-ip", "2001:db8:3:4:5:6:7:8", 128)]
    [InlineData("64.0.0.0.0.0.0.db8.2001.rpz-ip", "2001:db8::", 64)]
    public void Parse_DecodesRpzIpTrigger_AsIpRule(string owner, string address, int length)
    {
        RecordedRule rule = RecordingSink.ParseSingleRule($"{owner} CNAME .", ListFormat.Rpz);

        Assert.True(rule.IsIp);
        Assert.Equal(address, rule.Prefix.ToIPAddress().ToString());
        Assert.Equal(length, rule.Prefix.Length);
        Assert.Equal(Verdict.Blocked, rule.Verdict);
        Assert.Equal(RuleAction.NxDomain, rule.Action);
    }

    [Fact]
    public void Parse_AllowsAddress_ForPassthruIpTrigger()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("32.1.2.0.192.rpz-ip CNAME rpz-passthru.", ListFormat.Rpz);

        Assert.True(rule.IsIp);
        Assert.Equal(Verdict.Allowed, rule.Verdict);
    }

    [Fact]
    public void Parse_SkipsIpTrigger_WithLocalData()
    {
        Assert.Equal(SkipReason.NonPolicyRecord, RecordingSink.ParseSingleSkip("32.1.2.0.192.rpz-ip A 192.0.2.9", ListFormat.Rpz));
    }

    [Theory]
    [InlineData("33.1.2.0.192.rpz-ip", "prefix length '33' is not a number from 1 to 32")]
    [InlineData("0.1.2.0.192.rpz-ip", "prefix length '0' is not a number from 1 to 32")]
    [InlineData("32.1.2.0.300.rpz-ip", "label '300' is not an IPv4 octet")]
    [InlineData("32.1..0.192.rpz-ip", "label '' is not an IPv4 octet")]
    [InlineData("32.1.2.192.rpz-ip", "needs 8 groups")]
    [InlineData("rpz-ip", "needs a prefix length and an address")]
    [InlineData("32.rpz-ip", "needs a prefix length and an address")]
    [InlineData("128.zz.1.zz.2001.rpz-ip", "more than one 'zz'")]
    [InlineData("128.1.zz.db8g.2001.rpz-ip", "'db8g' is not a 16-bit hex group")]
    [InlineData("129.1.zz.2001.rpz-ip", "from 1 to 128")]
    [InlineData("128.9.8.7.6.5.4.3.db8.2001.rpz-ip", "at most 9 labels")]
    public void Parse_ReportsError_ForMalformedRpzIpOwner(string owner, string reasonPart)
    {
        (_, string reason) = RecordingSink.ParseSingleError($"{owner} CNAME .", ListFormat.Rpz);

        Assert.Contains(reasonPart, reason);
        Assert.StartsWith("owner ", reason);
    }

    [Theory]
    [InlineData("ns.example.net.rpz-nsdname")]
    [InlineData("32.1.2.0.192.rpz-nsip")]
    [InlineData("32.1.2.0.192.rpz-client-ip")]
    [InlineData("24.0.2.0.192.RPZ-CLIENT-IP")]
    public void Parse_SkipsUnsupportedTriggers(string owner)
    {
        Assert.Equal(SkipReason.UnsupportedTrigger, RecordingSink.ParseSingleSkip($"{owner} CNAME .", ListFormat.Rpz));
    }

    [Fact]
    public void Parse_TreatsLabelThatOnlyEndsLikeATrigger_AsQName()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("notrpz-ip CNAME .", ListFormat.Rpz);

        Assert.False(rule.IsIp);
        Assert.Equal("notrpz-ip", rule.Name);
    }

    [Fact]
    public void Parse_RealHaGeZiFakeFeed_YieldsPairedNxDomainRules()
    {
        string path = SharedData.RequirePath("hagezi-fake.rpz.txt");

        CountingSink sink = CountingSink.ParseFile(path, ListFormat.Rpz);

        Assert.True(sink.Errors == 0, string.Join("; ", sink.FirstErrors));
        Assert.Equal(27_442, sink.Rules);
        Assert.Equal(13_721, sink.DomainRulesByScope[DomainScope.NameOnly]);
        Assert.Equal(13_721, sink.DomainRulesByScope[DomainScope.SubdomainsOnly]);
        Assert.Equal(27_442, sink.RulesByAction[RuleAction.NxDomain]);
        Assert.Equal(2, sink.Skips);
        Assert.Equal(2, sink.SkipsByReason[SkipReason.NonPolicyRecord]);
    }
}
