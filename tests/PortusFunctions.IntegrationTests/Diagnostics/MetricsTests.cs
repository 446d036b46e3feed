using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using PortusFunctions.Diagnostics;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Diagnostics;

/// <summary>The OpenTelemetry instruments operators rely on move with real deliveries.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Delivery_PushAndPull_CountsReceivedAppliedIgnoredAndLag()
    {
        await using var host = await PortusHost.StartAsync();
        var meter = host.Service<PortusMetrics>().EventsReceived.Meter;
        var totals = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, subscriber) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                subscriber.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => totals.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1));
        listener.Start();

        foreach (var fixture in new[] { "push-manifest-oci-tag.json", "pull-blob.json" })
        {
            using var content = new StringContent(Fixtures.Read(fixture), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
            using var response = await host.Client.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }

        await Eventually.ReachAsync(() => Task.FromResult(totals.GetValueOrDefault("portus.events.applied")), applied => applied >= 1);

        Assert.Equal(2, totals.GetValueOrDefault("portus.events.received"));
        Assert.Equal(1, totals.GetValueOrDefault("portus.events.applied"));
        Assert.Equal(1, totals.GetValueOrDefault("portus.events.ignored"));
        Assert.Equal(1, totals.GetValueOrDefault("portus.inbox.lag"));
    }

    [Fact]
    public async Task ScanRun_FailedScans_ReportedAsPendingGauge()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        adapter.FailWith = "database not ready";
        await using var host = await Scanning.ScanFixtures.StartHostAsync(adapter.Url);
        await Scanning.ScanFixtures.PushAsync(host, "team/app", Scanning.ScanFixtures.NewDigest("one"), "v1");
        await Scanning.ScanFixtures.PushAsync(host, "team/app", Scanning.ScanFixtures.NewDigest("two"), "v2");
        var meter = host.Service<PortusMetrics>().EventsReceived.Meter;
        long? pending = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, subscriber) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "portus.scans.pending")
            {
                subscriber.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => pending = value);
        listener.Start();

        await Scanning.ScanFixtures.RunScanAsync(host);
        listener.RecordObservableInstruments();

        Assert.Equal(2, pending);
    }
}
