using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Scanning;

namespace PortusFunctions.IntegrationTests.Webhooks;

/// <summary>The scan job announces its outcomes to subscriptions, once per report.</summary>
public sealed class ScanWebhookTests
{
    [Fact]
    public async Task ScanJob_CompletedReport_ReachesSubscriberOnce()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?>
        {
            ["Scan:Scanner"] = "fake",
            ["Scan:Schedule"] = "0 0 0 1 1 *",
        });
        await using var subscriber = await SubscriberServer.StartAsync();
        await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, repositories = new[] { "library/*" }, events = new[] { "scan.completed" } });
        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read("push-manifest-oci-tag.json"));
        await Eventually.ReachAsync(() => ReadApi.TaggedRepositoriesAsync(host.Client), state => state.ContainsKey("library/test"));

        await host.Service<IScanJob>().RunAsync(CancellationToken.None);
        var received = await subscriber.WaitForAsync(1);
        await host.Service<IScanJob>().RunAsync(CancellationToken.None);
        var status = await host.Service<IScanStore>().GetAsync("sha256:7e1ba8afda3892522e26e3329d9fbedcddc4e440c863d3a2d77a2f8605973713", CancellationToken.None);

        var body = WebhookHost.Json(received[0]);
        Assert.Equal("scan.completed", body.GetProperty("type").GetString());
        Assert.Equal(["1"], body.GetProperty("data").GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()));
        Assert.False(status!.NotificationPending);
        Assert.Single(subscriber.Received);
    }
}
