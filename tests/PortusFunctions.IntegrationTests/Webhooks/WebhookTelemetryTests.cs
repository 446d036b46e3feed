using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using PortusFunctions.Diagnostics;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Webhooks;

/// <summary>Metrics of deliveries, and traces that leave the target's path out because it can hold a credential.</summary>
public sealed class WebhookTelemetryTests
{
    [Fact]
    public async Task Delivery_RetriedThenDelivered_CountsAttemptsByOutcome()
    {
        await using var host = await WebhookHost.StartAsync();
        var meter = host.Service<PortusMetrics>().WebhookAttempts.Meter;
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, subscriber) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                subscriber.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var outcome = tags.ToArray().FirstOrDefault(tag => tag.Key == "outcome").Value;
            totals.AddOrUpdate(outcome is null ? instrument.Name : $"{instrument.Name}|{outcome}", value, (_, sum) => sum + value);
        });
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => totals.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1));
        listener.Start();
        await using var subscriber = await SubscriberServer.StartAsync();
        subscriber.RespondWith(502);
        await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "tag.pushed" } });

        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read("push-manifest-oci-tag.json"));
        await Eventually.ReachAsync(() => Task.FromResult(totals.GetValueOrDefault("portus.webhooks.attempts|delivered")), delivered => delivered >= 1);

        Assert.Equal(1, totals.GetValueOrDefault("portus.webhooks.deliveries.created"));
        Assert.Equal(1, totals.GetValueOrDefault("portus.webhooks.attempts|retried"));
        Assert.Equal(1, totals.GetValueOrDefault("portus.webhooks.attempts|delivered"));
        Assert.Equal(2, totals.GetValueOrDefault("portus.webhooks.attempt.duration"));
    }

    [Fact]
    public async Task DeliverySpan_TargetPath_IsRedacted()
    {
        var urls = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("url.full") is string url)
                {
                    urls.Enqueue(url);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        var target = new Uri(subscriber.Url, "/services/T000/B000/secret-path-token");
        await WebhookHost.SubscribeAsync(host, new { url = target, events = new[] { "tag.pushed" } });

        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read("push-manifest-oci-tag.json"));
        await subscriber.WaitForAsync(1);
        await Eventually.ReachAsync(() => Task.FromResult(urls.ToArray()), seen => seen.Any(url => url.StartsWith(subscriber.Url.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)));

        Assert.Contains(subscriber.Url.GetLeftPart(UriPartial.Authority) + "/REDACTED", urls);
        Assert.DoesNotContain(urls, url => url.Contains("secret-path-token", StringComparison.Ordinal));
    }
}
