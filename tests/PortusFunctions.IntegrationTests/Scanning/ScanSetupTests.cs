using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PortusFunctions.Http;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Scanning;
using PortusFunctions.Scanning.Fake;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Scanning;

/// <summary>Scanner settings, the scanners that need no server, and the read API's answers to bad input.</summary>
public sealed class ScanSetupTests
{
    [Theory]
    [InlineData("Scan:Scanner", "trivy", "Scan__Scanner")]
    [InlineData("Scan:Url", "", "Scan__Url")]
    [InlineData("Scan:Url", "trivy:8080", "Scan__Url")]
    [InlineData("Registry:Url", "", "Registry__Url")]
    [InlineData("Scan:ScanTimeout", "00:40:00", "Scan__InProgressTimeout")]
    [InlineData("Scan:Concurrency", "0", "Scan__Concurrency")]
    public async Task Start_InvalidScanSetting_FailsNamingIt(string key, string value, string settingName)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scan:Scanner"] = "harbor",
            ["Scan:Url"] = "http://127.0.0.1:9/",
            ["Registry:Url"] = "http://127.0.0.1:5000",
            [key] = value,
        };

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => PortusHost.StartAsync(overrides: settings));

        Assert.Contains(settingName, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidScanSchedule_FailsNamingIt()
    {
        var failure = await Assert.ThrowsAsync<FormatException>(
            () => PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Scan:Schedule"] = "hourly" }));

        Assert.Contains("Scan__Schedule", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_NoScanner_DoesNothingAndSaysSoOnce()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Scan:Schedule"] = "0 0 0 1 1 *" });
        var digest = ScanFixtures.NewDigest("off");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        var first = await ScanFixtures.RunScanAsync(host);
        var second = await ScanFixtures.RunScanAsync(host);
        var report = await VulnerabilityApi.ByTagAsync(host.Client, "team/app", "v1");

        Assert.Null(first);
        Assert.Null(second);
        Assert.Single(host.Logs.Entries, entry => entry.EventId.Id == 4001);
        Assert.Empty(await StoredRows.ReadAsync(host, TableNames.ScanStatus));
        Assert.Equal(VulnerabilityEndpoint.DisabledStatus, report.Status);
        Assert.Null(report.Body);
    }

    [Fact]
    public async Task Scan_FakeScanner_StableMadeUpFindings()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Scan:Scanner"] = "fake",
            ["Scan:Schedule"] = "0 0 0 1 1 *",
        });
        var digest = Enumerable.Range(0, 100).Select(i => ScanFixtures.NewDigest("fake")).First(d => FakeScannerClient.FindingsFor(d).Count > 1);
        await ScanFixtures.PushAsync(host, "demo/app", digest, "v1");

        await ScanFixtures.RunScanAsync(host);
        var report = await VulnerabilityApi.ByTagAsync(host.Client, "demo/app", "v1");
        var expected = ScanWorker.Sort(FakeScannerClient.FindingsFor(digest));

        Assert.Equal(ScanStatuses.Completed, report.Status);
        Assert.Equal(FakeScannerClient.Name, report.Body!.Scanner.Name);
        Assert.Equal(expected.Select(finding => finding.Id), report.Body.Findings.Select(finding => finding.Id));
        Assert.Equal(expected.Select(finding => finding.Severity), report.Body.Findings.Select(finding => finding.Severity));
        Assert.Equal(FakeScannerClient.FindingsFor(digest), FakeScannerClient.FindingsFor(digest), new FindingComparer());
    }

    [Theory]
    [InlineData("api/vulnerabilities?tag=v1", 400, "Missing repository")]
    [InlineData("api/vulnerabilities?repository=Team/App&tag=v1", 400, "Invalid repository")]
    [InlineData("api/vulnerabilities?repository=team/app", 400, "Tag or digest required")]
    [InlineData("api/vulnerabilities?repository=team/app&tag=v1&digest=sha256:abc", 400, "Tag or digest required")]
    [InlineData("api/vulnerabilities?repository=team/app&tag=-bad", 400, "Invalid tag")]
    [InlineData("api/vulnerabilities?repository=team/app&digest=md5", 400, "Invalid digest")]
    [InlineData("api/vulnerabilities?repository=nobody/here&tag=v1", 404, "Repository not found")]
    [InlineData("api/vulnerabilities?repository=team/app&tag=v9", 404, "Tag not found")]
    [InlineData("api/vulnerabilities?repository=team/app&digest=sha256:0000000000000000000000000000000000000000000000000000000000000000", 404, "Manifest not found")]
    public async Task Vulnerabilities_BadOrUnknownInput_ReturnsProblem(string path, int status, string title)
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Scan:Scanner"] = "fake" });
        await ScanFixtures.PushAsync(host, "team/app", ScanFixtures.NewDigest("known"), "v1");

        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(title, problem!.Title);
        Assert.False(string.IsNullOrEmpty(problem.Detail));
    }

    [Fact]
    public async Task Vulnerabilities_WithoutKey_Returns401()
    {
        await using var host = await PortusHost.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = host.Url };

        using var response = await anonymous.GetAsync(new Uri("api/vulnerabilities?repository=team/app&tag=v1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Vulnerabilities_NotScannedYet_ReturnsPending()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Scan:Scanner"] = "fake" });
        var digest = ScanFixtures.NewDigest("pending");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        var byDigest = await VulnerabilityApi.ByDigestAsync(host.Client, "team/app", digest);

        Assert.Equal(ScanStatuses.Pending, byDigest.Status);
        Assert.Null(byDigest.Tag);
        Assert.Null(byDigest.Body);
    }

    private sealed class FindingComparer : IEqualityComparer<Finding>
    {
        public bool Equals(Finding? x, Finding? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Package == y.Package && x.Severity == y.Severity && x.Links.SequenceEqual(y.Links);

        public int GetHashCode(Finding obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
