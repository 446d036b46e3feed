using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Scanning;

namespace PortusFunctions.IntegrationTests.Scanning;

/// <summary>
/// The real registry notifies the bare-metal host while images are pushed and retagged, and the scan job has them
/// scanned by a Harbor-style adapter that pulls each manifest from that registry.
/// </summary>
public sealed class ScanEndToEndTests
{
    // The registry requires these, and the adapter pulls each image with the credential handed to it, so a scan
    // completes only when that credential works.
    private static readonly (string User, string Password) Credentials = ("scanner", "pull-secret");

    [Fact]
    public async Task PushRetagRepush_ScansEachDigestOnce()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PullFromRegistry = true;
        var registryPort = TestTools.FreePort();
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url, new Dictionary<string, string?>
        {
            ["Registry:Url"] = $"http://127.0.0.1:{registryPort}",
            ["Registry:Username"] = Credentials.User,
            ["Registry:Password"] = Credentials.Password,
        });
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret, port: registryPort, basicCredentials: (Credentials.User, Credentials.Password));
        using var images = await ImageFactory.CreateAsync();
        await images.BuildAsync("first");
        await images.BuildAsync("second");

        await images.PushAsync("first", registry, "team/app:v1", credentials: "scanner:pull-secret");
        var first = await registry.DigestAsync("team/app", "v1");
        await WaitForTagAsync(host, "team/app", "v1", first);
        await ScanFixtures.RunScanAsync(host);
        var firstReport = await VulnerabilityApi.ByTagAsync(host.Client, "team/app", "v1");

        await ImageFactory.RetagAsync(registry, "team/app:v1", "team/app:stable", credentials: "scanner:pull-secret");
        await WaitForTagAsync(host, "team/app", "stable", first);
        await ScanFixtures.RunScanAsync(host);
        var scansAfterRetag = adapter.ScannedDigests();

        await images.PushAsync("second", registry, "team/app:v1", credentials: "scanner:pull-secret");
        var second = await registry.DigestAsync("team/app", "v1");
        await WaitForTagAsync(host, "team/app", "v1", second);
        await ScanFixtures.RunScanAsync(host);
        var secondReport = await VulnerabilityApi.ByTagAsync(host.Client, "team/app", "v1");
        var stableReport = await VulnerabilityApi.ByTagAsync(host.Client, "team/app", "stable");

        Assert.Equal(ScanStatuses.Completed, firstReport.Status);
        Assert.Equal(first, firstReport.Digest);
        Assert.Equal(2, firstReport.Body!.Findings.Count);
        Assert.Equal($"http://127.0.0.1:{registryPort}", adapter.Scans.First().RegistryUrl);
        Assert.Equal("Basic " + Convert.ToBase64String("scanner:pull-secret"u8.ToArray()), adapter.Scans.First().RegistryAuthorization);
        Assert.Equal([first], scansAfterRetag);
        Assert.Equal([first, second], adapter.ScannedDigests());
        Assert.Equal(second, secondReport.Digest);
        Assert.Equal(ScanStatuses.Completed, secondReport.Status);
        Assert.Equal($"CVE-2024-{second[7..11]}", secondReport.Body!.Findings[0].Id);
        Assert.Equal(first, stableReport.Digest);
        Assert.Equal(ScanStatuses.Completed, stableReport.Status);
    }

    [Fact]
    public async Task PushIndex_ScannedThroughItsPlatformManifests()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PullFromRegistry = true;
        var registryPort = TestTools.FreePort();
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url, new Dictionary<string, string?>
        {
            ["Registry:Url"] = $"http://127.0.0.1:{registryPort}",
            ["Registry:Username"] = Credentials.User,
            ["Registry:Password"] = Credentials.Password,
        });
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret, port: registryPort, basicCredentials: (Credentials.User, Credentials.Password));
        using var images = await ImageFactory.CreateAsync();
        await images.BuildAsync("amd", "amd64");
        await images.BuildAsync("arm", "arm64");
        await images.BuildIndexAsync("multi", "amd", "arm");

        await images.PushAsync("multi", registry, "team/multi:latest", credentials: "scanner:pull-secret");
        var index = await registry.DigestAsync("team/multi", "latest");
        await WaitForTagAsync(host, "team/multi", "latest", index);
        await Eventually.ReachAsync(
            () => ReadApi.ManifestCountsAsync(host.Client),
            counts => counts.GetValueOrDefault("team/multi") == 3);
        var run = await ScanFixtures.RunScanAsync(host);
        var report = await VulnerabilityApi.ByTagAsync(host.Client, "team/multi", "latest");
        var tag = Assert.Single(await VulnerabilityApi.TagsAsync(host.Client, "team/multi"));

        Assert.Equal(2, adapter.Scans.Count);
        Assert.DoesNotContain(index, adapter.ScannedDigests());
        Assert.Equal(1, run!.Counts[ScanCounters.IndexesCompleted]);
        Assert.Equal(ScanStatuses.Completed, report.Status);
        Assert.Equal(4, report.Body!.Summary.Total);
        // The references of Debian's registry 2.8.2 carry no platform, so with events alone every platform is unknown.
        Assert.All(report.Body.Findings, finding => Assert.Equal(ScanPlanner.UnknownPlatform, finding.Platform));
        Assert.Equal(2, report.Body.Findings.Select(finding => finding.Id).Distinct().Count(id => id.StartsWith("CVE-2024-", StringComparison.Ordinal)));
        Assert.Equal(ScanStatuses.Completed, tag.ScanStatus);
        Assert.Equal(4, tag.Vulnerabilities!.Total);
    }

    private static Task WaitForTagAsync(PortusHost host, string repository, string tag, string digest) =>
        Eventually.ReachAsync(
            () => ReadApi.TaggedRepositoriesAsync(host.Client),
            state => state.TryGetValue(repository, out var tags) && tags.GetValueOrDefault(tag) == digest);
}
