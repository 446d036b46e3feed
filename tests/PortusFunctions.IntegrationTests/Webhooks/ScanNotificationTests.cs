using PortusFunctions.Scanning;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Webhooks;
using PortusFunctions.Webhooks.Delivery;
using PortusFunctions.Webhooks.Scans;

namespace PortusFunctions.IntegrationTests.Webhooks;

/// <summary>Scan results handed to <see cref="IScanNotificationSink"/> reach the subscriptions that want them.</summary>
public sealed class ScanNotificationTests
{
    private static readonly string Digest = DeliveryTests.Digest("scanned");

    [Fact]
    public async Task ScanCompleted_SeverityThresholds_DecideWhoIsNotified()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var completed = await SubscriberServer.StartAsync();
        await using var high = await SubscriberServer.StartAsync();
        await using var critical = await SubscriberServer.StartAsync();
        await WebhookHost.SubscribeAsync(host, new { url = completed.Url, events = new[] { "scan.completed" } });
        await WebhookHost.SubscribeAsync(host, new { url = high.Url, events = new[] { "vulnerabilities.found" }, minimumSeverity = "high" });
        var criticalId = await WebhookHost.SubscribeAsync(host, new { url = critical.Url, events = new[] { "vulnerabilities.found" }, minimumSeverity = "critical" });

        await host.Service<IScanNotificationSink>().OnScanFinishedAsync(Completed("scan-1", new SeverityCounts(0, 2, 5, 1, 0, 3)), CancellationToken.None);
        var report = WebhookHost.Json((await completed.WaitForAsync(1))[0]);
        var found = WebhookHost.Json((await high.WaitForAsync(1))[0]);

        Assert.Equal("scan.completed", report.GetProperty("type").GetString());
        Assert.Equal($"team/app@{Digest}", report.GetProperty("subject").GetString());
        Assert.Equal(["v1", "v1.0"], report.GetProperty("data").GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()));
        Assert.Equal(11, report.GetProperty("data").GetProperty("vulnerabilities").GetProperty("total").GetInt32());
        Assert.Equal("vulnerabilities.found", found.GetProperty("type").GetString());
        Assert.Equal("high", found.GetProperty("data").GetProperty("minimumSeverity").GetString());
        Assert.Equal(2, found.GetProperty("data").GetProperty("countAtOrAboveMinimum").GetInt32());
        Assert.Empty(await WebhookHost.OutboxRowsAsync(host, criticalId));
        Assert.Empty(critical.Received);
    }

    [Fact]
    public async Task ScanFailed_Reported_CarriesError()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var failures = await SubscriberServer.StartAsync();
        await using var completions = await SubscriberServer.StartAsync();
        await WebhookHost.SubscribeAsync(host, new { url = failures.Url, events = new[] { "scan.failed" } });
        var completionsId = await WebhookHost.SubscribeAsync(host, new { url = completions.Url, events = new[] { "scan.completed", "vulnerabilities.found" }, minimumSeverity = "low" });
        var failed = new ScanNotification
        {
            ScanId = "scan-failed-1",
            Digest = Digest,
            References = [new ScannedReference("team/app", "v1")],
            Outcome = ScanOutcome.Failed,
            FinishedAt = DateTimeOffset.UtcNow,
            Error = "scanner returned 500: database not ready",
        };

        await host.Service<IScanNotificationSink>().OnScanFinishedAsync(failed, CancellationToken.None);
        var body = WebhookHost.Json((await failures.WaitForAsync(1))[0]);

        Assert.Equal("scan.failed", body.GetProperty("type").GetString());
        Assert.Equal("scanner returned 500: database not ready", body.GetProperty("data").GetProperty("error").GetString());
        Assert.Empty(await WebhookHost.OutboxRowsAsync(host, completionsId));
    }

    [Fact]
    public async Task ScanResult_ReportedTwice_DeliveredOnce()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "scan.completed" } });
        var notification = Completed("scan-twice", SeverityCounts.Zero);
        var sink = host.Service<IScanNotificationSink>();

        await sink.OnScanFinishedAsync(notification, CancellationToken.None);
        await subscriber.WaitForAsync(1);
        await sink.OnScanFinishedAsync(notification, CancellationToken.None);
        await host.Service<IOutboxDispatcher>().RunAsync(CancellationToken.None);

        Assert.Single(subscriber.Received);
        Assert.Single(await WebhookHost.OutboxRowsAsync(host, id));
    }

    [Fact]
    public async Task ScanNotification_SharedDigest_OneEventPerRepository()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, repositories = new[] { "team/**" }, events = new[] { "scan.completed" } });
        var notification = Completed("scan-shared", SeverityCounts.Zero) with
        {
            References = [new ScannedReference("team/app", "v1"), new ScannedReference("team/api", null), new ScannedReference("other/app", "v1")],
        };

        await host.Service<IScanNotificationSink>().OnScanFinishedAsync(notification, CancellationToken.None);
        var received = await subscriber.WaitForAsync(2);
        await host.Service<IOutboxDispatcher>().RunAsync(CancellationToken.None);

        Assert.Equal(
            ["team/api", "team/app"],
            received.Select(request => WebhookHost.Json(request).GetProperty("data").GetProperty("repository").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await WebhookHost.OutboxRowsAsync(host, id)).Count);
    }

    [Fact]
    public async Task ScanNotification_CompletedWithoutCounts_Rejected()
    {
        await using var host = await WebhookHost.StartAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            host.Service<IScanNotificationSink>().OnScanFinishedAsync(Completed("scan-no-counts", null), CancellationToken.None));

        Assert.Contains("Vulnerabilities", error.Message, StringComparison.Ordinal);
    }

    private static ScanNotification Completed(string scanId, SeverityCounts? counts) => new()
    {
        ScanId = scanId,
        Digest = Digest,
        References = [new ScannedReference("team/app", "v1.0"), new ScannedReference("team/app", "v1")],
        Outcome = ScanOutcome.Completed,
        FinishedAt = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero),
        Vulnerabilities = counts,
        Scanner = "Trivy 0.58.1",
    };
}
