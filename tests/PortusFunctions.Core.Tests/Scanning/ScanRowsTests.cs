using System.Text.Json;
using PortusFunctions.Scanning;
using PortusFunctions.Scanning.Fake;

namespace PortusFunctions.Core.Tests.Scanning;

/// <summary>Findings and severities as they are stored.</summary>
public sealed class ScanRowsTests
{
    [Fact]
    public void ToEntity_HugeFinding_StaysWithinPropertyLimits()
    {
        var links = Enumerable.Range(0, 5000).Select(i => $"https://example.test/advisory/{i}/{new string('x', 40)}").ToList();
        var finding = new Finding(new string('i', 100_000), new string('p', 100_000), "1", null, Severities.High, 7.5, links);

        var entity = ScanRows.ToEntity("sha256:aa", "g1", 0, finding);

        Assert.All(entity.Select(property => property.Value).OfType<string>(), value => Assert.True(value.Length <= 32 * 1024, $"{value.Length} characters"));
        Assert.Equal(links.Take(10), JsonSerializer.Deserialize<List<string>>(entity.GetString("Links")!)!.Take(10));
    }

    [Fact]
    public void ToFinding_RoundTrip_KeepsEveryField()
    {
        var finding = new Finding("CVE-2024-1", "openssl", "3.0.1", "3.0.2", Severities.Critical, 9.8, ["https://a.test", "https://b.test"], "linux/arm64");

        var read = ScanRows.ToFinding(ScanRows.ToEntity("sha256:aa", "g1", 7, finding));

        Assert.Equal(finding with { Links = [] }, read with { Links = [] });
        Assert.Equal(finding.Links, read.Links);
    }

    [Fact]
    public void FindingRowKey_SortsInReportOrder()
    {
        var keys = new[] { 0, 9, 10, 4999, 100_000 }.Select(ScanRows.FindingRowKey).ToList();

        Assert.Equal(keys, keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("critical", "Critical")]
    [InlineData(" HIGH ", "High")]
    [InlineData("Negligible", "Negligible")]
    [InlineData("important", "Unknown")]
    [InlineData(null, "Unknown")]
    public void Normalize_AnyCase_MapsToKnownSeverity(string? input, string expected)
    {
        Assert.Equal(expected, Severities.Normalize(input));
    }

    [Fact]
    public void SeverityCounts_Of_CountsEachSeverity()
    {
        var findings = new[] { Severities.Critical, Severities.Low, Severities.Low, Severities.Unknown }
            .Select(severity => new Finding("id", "p", "1", null, severity, null, []));

        Assert.Equal(new SeverityCounts(1, 0, 0, 2, 0, 1), SeverityCounts.Of(findings));
    }

    [Fact]
    public void FakeScanner_SameDigest_SameFindings()
    {
        var digests = Enumerable.Range(0, 50).Select(i => $"sha256:{i:D64}").ToList();

        var first = digests.SelectMany(FakeScannerClient.FindingsFor).ToList();
        var second = digests.SelectMany(FakeScannerClient.FindingsFor).ToList();

        Assert.Equal(first.Select(finding => (finding.Id, finding.Severity, finding.Package)), second.Select(finding => (finding.Id, finding.Severity, finding.Package)));
        Assert.Contains(digests, digest => FakeScannerClient.FindingsFor(digest).Count == 0);
        Assert.Contains(digests, digest => FakeScannerClient.FindingsFor(digest).Count > 2);
    }
}
