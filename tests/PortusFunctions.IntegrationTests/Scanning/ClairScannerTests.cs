using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Scanning;

namespace PortusFunctions.IntegrationTests.Scanning;

/// <summary>The scan job against a server that follows Clair v4's API, on images in the real registry.</summary>
public sealed class ClairScannerTests
{
    [Fact]
    public async Task Scan_Clair_IndexesLayersAndReindexesWhenStateChanges()
    {
        await using var clair = await ClairServer.StartAsync();
        var registryPort = TestTools.FreePort();
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Scan:Scanner"] = "clair",
            ["Scan:Url"] = clair.Url.ToString(),
            ["Scan:Schedule"] = "0 0 0 1 1 *",
            ["Registry:Url"] = $"http://127.0.0.1:{registryPort}",
            ["Registry:Username"] = "clair",
            ["Registry:Password"] = "layer-secret",
        });
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret, port: registryPort, basicCredentials: ("clair", "layer-secret"));
        using var images = await ImageFactory.CreateAsync();
        await images.BuildAsync("app");
        await images.PushAsync("app", registry, "team/app:v1", dockerFormat: true, credentials: "clair:layer-secret");
        var digest = await registry.DigestAsync("team/app", "v1");
        await Eventually.ReachAsync(
            () => ReadApi.TaggedRepositoriesAsync(host.Client),
            state => state.TryGetValue("team/app", out var tags) && tags.GetValueOrDefault("v1") == digest);

        await ScanFixtures.RunScanAsync(host);
        var report = await VulnerabilityApi.ByTagAsync(host.Client, "team/app", "v1");
        await ScanFixtures.RunScanAsync(host);
        var indexingsWithSameState = clair.Indexings.Count;
        clair.State = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        await ScanFixtures.RunScanAsync(host);
        var status = await ScanFixtures.StatusAsync(host, digest);

        Assert.Equal(ScanStatuses.Completed, report.Status);
        var finding = Assert.Single(report.Body!.Findings);
        Assert.StartsWith("CVE-2024-", finding.Id, StringComparison.Ordinal);
        Assert.Equal("layer-package-0", finding.Package);
        Assert.Equal("1.2.3", finding.Version);
        Assert.Equal("1.2.4", finding.FixedVersion);
        Assert.Equal("High", finding.Severity);
        Assert.Null(finding.CvssScore);
        Assert.Equal(["https://security-tracker.debian.test/a", "https://nvd.test/b"], finding.Links);
        Assert.Equal("Clair", report.Body.Scanner.Name);
        Assert.Equal(1, indexingsWithSameState);
        Assert.Equal(2, clair.Indexings.Count);
        Assert.All(clair.Indexings, hash => Assert.Equal(digest, hash));
        Assert.All(clair.LayerFetches, fetch => Assert.StartsWith($"http://127.0.0.1:{registryPort}/v2/team/app/blobs/sha256:", fetch.Uri, StringComparison.Ordinal));
        Assert.All(clair.LayerFetches, fetch => Assert.Equal("Basic " + Convert.ToBase64String("clair:layer-secret"u8.ToArray()), fetch.Authorization));
        Assert.Equal("0f1e2d3c4b5a69788796a5b4c3d2e1f0", status!.DatabaseVersion);
    }
}
