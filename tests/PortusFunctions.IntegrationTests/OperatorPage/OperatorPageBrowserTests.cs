using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using PortusFunctions.Events;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Jobs;
using PortusFunctions.Scanning;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.OperatorPage;

/// <summary>The operator page in headless Chromium, on a store seeded through the webhook and the jobs.</summary>
public sealed class OperatorPageBrowserTests
{
    [Fact]
    public async Task Page_SeededStore_ShowsReadApiFiguresOnPhoneAndDesktop()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Scan:Scanner"] = "fake",
            ["Scan:Schedule"] = "0 0 0 1 1 *",
            ["Inbox:DrainSchedule"] = "0 0 0 1 1 *",
        });
        await SeedAsync(host);

        var browser = await RunBrowserAsync(host);
        var figures = browser.GetProperty("figures");
        var phone = browser.GetProperty("phone");
        var desktop = browser.GetProperty("desktop");
        var repositories = await host.Client.GetFromJsonAsync<ReadApi.RepositoryList>("api/repositories");
        var findings = await FindingsFromTagsAsync(host, repositories!);

        Assert.Equal(200, desktop.GetProperty("status").GetInt32());
        Assert.Equal(repositories!.Repositories.Count.ToString(), Figure(figures, "repositories"));
        Assert.Equal(repositories.Repositories.Sum(repository => repository.TagCount).ToString(), Figure(figures, "tags"));
        Assert.Equal(repositories.Repositories.Sum(repository => repository.ManifestCount).ToString(), Figure(figures, "manifests"));
        Assert.Equal("1", Figure(figures, "pending-events"));
        Assert.Equal("1", Figure(figures, "quarantined-events"));
        Assert.Equal("fake", Figure(figures, "scanner"));
        Assert.Equal("100%", Figure(figures, "scan-coverage"));
        Assert.Equal(findings.Critical.ToString(), Figure(figures, "findings-critical"));
        Assert.Equal(findings.High.ToString(), Figure(figures, "findings-high"));
        Assert.Equal(findings.Medium.ToString(), Figure(figures, "findings-medium"));
        Assert.Equal(findings.Low.ToString(), Figure(figures, "findings-low"));
        Assert.True(findings.Critical + findings.High + findings.Medium + findings.Low > 0);
        Assert.Equal(["store", "events", "sync", "scanning", "scan-runs"], desktop.GetProperty("sections").EnumerateArray().Select(section => section.GetString()));
        Assert.Contains("/api/repositories", Links(desktop));
        Assert.Contains("/api/sync/status", Links(desktop));
        Assert.Contains(Links(desktop), link => link.StartsWith("/api/vulnerabilities?repository=", StringComparison.Ordinal));
        Assert.True(phone.GetProperty("scrollWidth").GetInt32() <= phone.GetProperty("clientWidth").GetInt32(), "The page is wider than a 390 px phone screen.");
        Assert.True(new FileInfo(phone.GetProperty("screenshot").GetString()!).Length > 10_000);
        Assert.True(new FileInfo(desktop.GetProperty("screenshot").GetString()!).Length > 10_000);
    }

    [Fact]
    public async Task Page_WithoutKey_Returns401WithBasicChallenge()
    {
        await using var host = await PortusHost.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = host.Url };

        using var response = await anonymous.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Page_StorageDown_Returns503Page()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var host = await PortusHost.StartAsync(azurite.ConnectionString);
        await azurite.StopAsync();

        using var response = await host.Client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Storage unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task SeedAsync(PortusHost host)
    {
        using var client = new HttpClient();
        var bad = """{"events":[{"id":"bad-name","timestamp":"2026-12-04T10:00:00Z","action":"delete","target":{"repository":"Not Valid","tag":"v1"}}]}""";
        foreach (var body in new[] { Fixtures.Read("push-manifest-oci-tag.json"), Fixtures.Read("push-manifest-docker-v2-tag.json"), bad })
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }

        await Eventually.ReachAsync(() => ReadApi.TaggedRepositoriesAsync(host.Client), state => state.Count == 2);

        // A pending event, as after a crash between storing and applying it.
        var inbox = await host.Service<TableStore>().GetTableAsync(TableNames.Inbox, CancellationToken.None);
        await inbox.AddEntityAsync(new TableEntity(InboxStore.PartitionFor(DateTimeOffset.UtcNow), "pending-1")
        {
            ["EventId"] = "pending-1",
            ["Status"] = InboxStatus.Pending,
            ["ReceivedAt"] = DateTimeOffset.UtcNow.AddMinutes(-2),
        });

        var run = new JobRun { Job = "sync", RunId = "seeded", StartedAt = DateTimeOffset.UtcNow.AddMinutes(-3), FinishedAt = DateTimeOffset.UtcNow.AddMinutes(-2), Status = JobRunStatus.Completed };
        run.Properties["Strategy"] = "update";
        run.Add("TagsRead", 2);
        await host.Service<JobRunStore>().SaveRunAsync(run, CancellationToken.None);

        await host.Service<IScanJob>().RunAsync(CancellationToken.None);
    }

    private static async Task<SeverityCounts> FindingsFromTagsAsync(PortusHost host, ReadApi.RepositoryList repositories)
    {
        var byDigest = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var repository in repositories.Repositories)
        {
            var tags = await host.Client.GetFromJsonAsync<JsonElement>($"api/repositories/tags?repository={Uri.EscapeDataString(repository.Name)}");
            foreach (var tag in tags.GetProperty("tags").EnumerateArray())
            {
                byDigest[tag.GetProperty("digest").GetString()!] = tag.GetProperty("vulnerabilities");
            }
        }

        int Sum(string severity) => byDigest.Values.Sum(counts => counts.GetProperty(severity).GetInt32());
        return new SeverityCounts(Sum("critical"), Sum("high"), Sum("medium"), Sum("low"), Sum("negligible"), Sum("unknown"));
    }

    private static async Task<JsonElement> RunBrowserAsync(PortusHost host)
    {
        var output = TestTools.TemporaryFolder("operator-page");
        var script = Path.Combine(TestTools.RepositoryRoot, "tests", "browser", "operator-page.mjs");
        var json = await ExternalProcess.RunAsync(
            "/usr/bin/env",
            $"PORTUS_BROWSER_TOOLS={TestTools.BrowserTools}", "node", script, host.Url.ToString(), PortusHost.ReaderKey, output);
        KeepScreenshots(output);
        return JsonDocument.Parse(json).RootElement;
    }

    /// <summary>Copies the screenshots next to the test results, so a failed run can be looked at.</summary>
    private static void KeepScreenshots(string folder)
    {
        var results = Path.Combine(TestTools.RepositoryRoot, "tests", "TestResults", "screenshots");
        Directory.CreateDirectory(results);
        foreach (var file in Directory.GetFiles(folder, "*.png"))
        {
            File.Copy(file, Path.Combine(results, Path.GetFileName(file)), overwrite: true);
        }
    }

    private static string? Figure(JsonElement figures, string name) =>
        figures.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static List<string> Links(JsonElement page) =>
        [.. page.GetProperty("links").EnumerateArray().Select(link => link.GetString()!)];
}
