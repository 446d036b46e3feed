using System.Net;
using PortusFunctions.Images;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Registry;
using PortusFunctions.Webhooks.Delivery;
using PortusFunctions.Webhooks.Outbox;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.IntegrationTests.Webhooks;

/// <summary>Retries, idempotency, order, 410 and send-time address checks, against subscriber servers on 127.0.0.1.</summary>
public sealed class DeliveryTests
{
    private const string PushFixture = "push-manifest-oci-tag.json";
    private const string PushedDigest = "sha256:7e1ba8afda3892522e26e3329d9fbedcddc4e440c863d3a2d77a2f8605973713";

    [Fact]
    public async Task Delivery_FailsTwice_DeliveredOnThirdAttempt()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        subscriber.RespondWith(500, 500);
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "tag.pushed" } });

        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read(PushFixture));
        var received = await subscriber.WaitForAsync(3);
        var deliveries = await Eventually.ReachAsync(
            () => WebhookHost.DeliveriesAsync(host, id),
            list => list.Count == 1 && list[0].GetProperty("status").GetString() == "delivered");

        Assert.Equal(3, received.Count);
        var deliveryId = received[0].Header("Portus-Delivery-Id");
        Assert.All(received, request => Assert.Equal(deliveryId, request.Header("Portus-Delivery-Id")));
        Assert.Equal(["1", "2", "3"], received.Select(request => request.Header("Portus-Attempt")));
        Assert.Equal("delivered", deliveries[0].GetProperty("status").GetString());
        Assert.Equal(3, deliveries[0].GetProperty("attempts").GetInt32());
        Assert.Equal(200, deliveries[0].GetProperty("lastStatusCode").GetInt32());
        var attempts = host.Logs.Entries.Where(entry => entry.EventId.Id == 6201 && entry.Message.Contains(deliveryId!, StringComparison.Ordinal)).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Contains("returned status 500", attempts[0].Message, StringComparison.Ordinal);
        Assert.Contains("returned status 200", attempts[2].Message, StringComparison.Ordinal);
        Assert.Equal(2, host.Logs.Entries.Count(entry => entry.EventId.Id == 6202));
    }

    [Fact]
    public async Task Delivery_AttemptsUsedUp_FailsAndNextSent()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?> { ["Outbox:MaxAttempts"] = "2" });
        await using var subscriber = await SubscriberServer.StartAsync();
        subscriber.RespondWith(503, 503);
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "tag.pushed" } });
        var store = host.Service<IImageStore>();

        await store.ApplyAsync(Push("team/app", "first", 1), CancellationToken.None);
        await store.ApplyAsync(Push("team/app", "second", 2), CancellationToken.None);
        var received = await subscriber.WaitForAsync(3);
        var deliveries = await Eventually.ReachAsync(
            () => WebhookHost.DeliveriesAsync(host, id),
            list => list.Count == 2 && list.All(delivery => delivery.GetProperty("status").GetString() != "pending"));

        Assert.Equal(["team/app:first", "team/app:first", "team/app:second"], received.Select(request => WebhookHost.Json(request).GetProperty("subject").GetString()));
        Assert.Equal("failed", deliveries[1].GetProperty("status").GetString());
        Assert.Equal(2, deliveries[1].GetProperty("attempts").GetInt32());
        Assert.Equal(503, deliveries[1].GetProperty("lastStatusCode").GetInt32());
        Assert.Equal("delivered", deliveries[0].GetProperty("status").GetString());
        Assert.Single(host.Logs.Entries, entry => entry.EventId.Id == 6203);
    }

    [Fact]
    public async Task Delivery_RetryAfterHeader_PostponesNextAttempt()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?> { ["Outbox:MaxBackoff"] = "01:00:00" });
        await using var subscriber = await SubscriberServer.StartAsync();
        subscriber.RespondWithRetryAfter(429, 1800);
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "tag.pushed" } });

        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read(PushFixture));
        await subscriber.WaitForAsync(1);
        var deliveries = await Eventually.ReachAsync(
            () => WebhookHost.DeliveriesAsync(host, id),
            list => list.Count == 1 && list[0].GetProperty("nextAttemptAt").ValueKind == System.Text.Json.JsonValueKind.String);
        await host.Service<IOutboxDispatcher>().RunAsync(CancellationToken.None);

        var lastAttempt = deliveries[0].GetProperty("lastAttemptAt").GetDateTimeOffset();
        var next = deliveries[0].GetProperty("nextAttemptAt").GetDateTimeOffset();
        Assert.Equal("pending", deliveries[0].GetProperty("status").GetString());
        Assert.Equal(429, deliveries[0].GetProperty("lastStatusCode").GetInt32());
        Assert.InRange(next - lastAttempt, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(31));
        Assert.Single(subscriber.Received);
    }

    [Fact]
    public async Task RegistryEvent_PostedTwice_DeliveredOnce()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "tag.pushed" } });

        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read(PushFixture));
        await subscriber.WaitForAsync(1);
        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read(PushFixture));
        await WebhookHost.WaitForInboxAppliedAsync(host);
        await host.Service<IOutboxDispatcher>().RunAsync(CancellationToken.None);

        Assert.Single(subscriber.Received);
        Assert.Single(await WebhookHost.OutboxRowsAsync(host, id));
    }

    [Fact]
    public async Task RegistryEvent_AppliedAgain_ReportedButDeliveredOnce()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "tag.pushed" } });
        var push = Push("team/app", "v1", 1);

        await host.Service<IImageStore>().ApplyAsync(push, CancellationToken.None);
        await subscriber.WaitForAsync(1);
        await host.Service<IImageStore>().ApplyAsync(push, CancellationToken.None);
        await host.Service<IOutboxDispatcher>().RunAsync(CancellationToken.None);

        // The store reports the change again (a replay after a crash looks the same), and the outbox keeps one row.
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 6102);
        Assert.Single(subscriber.Received);
        Assert.Single(await WebhookHost.OutboxRowsAsync(host, id));
    }

    [Fact]
    public async Task Deliveries_FirstFails_LaterOnesWaitForIt()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        subscriber.RespondWith(500);
        await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, repositories = new[] { "team/**" }, events = new[] { "tag.pushed", "tag.deleted" } });
        var store = host.Service<IImageStore>();

        await store.ApplyAsync(Push("team/app", "a", 1), CancellationToken.None);
        await store.ApplyAsync(Push("team/app", "b", 2), CancellationToken.None);
        await store.ApplyAsync(new DeleteTag("team/app", Version(3), "a"), CancellationToken.None);
        var received = await subscriber.WaitForAsync(4);

        Assert.Equal(
            ["tag.pushed team/app:a", "tag.pushed team/app:a", "tag.pushed team/app:b", "tag.deleted team/app:a"],
            received.Select(request => $"{request.Header("Portus-Event-Type")} {WebhookHost.Json(request).GetProperty("subject").GetString()}"));
    }

    [Fact]
    public async Task Deliveries_CreatedOutOfOrder_SentInOrder()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        subscriber.RespondWith(500);
        var subscription = NewSubscription(subscriber.Url);

        // The deliveries are written, newest change first, before the subscription exists, so nothing sends them
        // until all three are stored. The first attempt then fails while the later two are already pending.
        foreach (var (tag, second) in new[] { ("c", 3), ("a", 1), ("b", 2) })
        {
            var change = new TagChanged("team/app", Version(second), tag, null, Digest(tag), MediaTypes.OciManifest);
            var delivery = OutboxWriter.CreateDelivery(WebhookEvent.FromChange(change)!, subscription, "/test", DateTimeOffset.UtcNow);
            Assert.True(await host.Service<IOutboxStore>().TryAddAsync(delivery, CancellationToken.None));
        }

        await host.Service<ISubscriptionStore>().AddAsync(subscription, CancellationToken.None);
        var received = await subscriber.WaitForAsync(4);

        Assert.Equal(["team/app:a", "team/app:a", "team/app:b", "team/app:c"], received.Select(request => WebhookHost.Json(request).GetProperty("subject").GetString()));
    }

    [Fact]
    public async Task Delivery_Gone_DisablesSubscription()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        subscriber.RespondWith(410);
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "tag.pushed" } });

        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read(PushFixture));
        await subscriber.WaitForAsync(1);
        var subscription = await Eventually.ReachAsync(
            () => WebhookHost.GetJsonAsync(host, $"api/subscriptions/{id}"),
            body => body.GetProperty("status").GetString() == "disabled");
        await host.Service<IImageStore>().ApplyAsync(Push("library/test", "2", 5), CancellationToken.None);
        await host.Service<IOutboxDispatcher>().RunAsync(CancellationToken.None);
        var deliveries = await WebhookHost.DeliveriesAsync(host, id);

        Assert.Equal("disabled", subscription.GetProperty("status").GetString());
        Assert.Contains("410", subscription.GetProperty("disabledReason").GetString(), StringComparison.Ordinal);
        Assert.Single(deliveries);
        Assert.Equal("failed", deliveries[0].GetProperty("status").GetString());
        Assert.Single(subscriber.Received);
        Assert.Single(host.Logs.Entries, entry => entry.EventId.Id == 6204);
    }

    [Fact]
    public async Task Delivery_TargetBlockedAtSendTime_NotSent()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?> { ["Outbox:AllowPrivateTargets"] = "false" });
        await using var subscriber = await SubscriberServer.StartAsync();

        // The API would reject this target; a row written directly stands for a host whose DNS changed since.
        var subscription = NewSubscription(subscriber.Url);
        await host.Service<ISubscriptionStore>().AddAsync(subscription, CancellationToken.None);

        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read(PushFixture));
        var deliveries = await Eventually.ReachAsync(
            () => WebhookHost.DeliveriesAsync(host, subscription.Id),
            list => list.Count == 1 && list[0].GetProperty("attempts").GetInt32() >= 1 && list[0].GetProperty("lastError").ValueKind == System.Text.Json.JsonValueKind.String);

        var error = deliveries[0].GetProperty("lastError").GetString()!;
        Assert.Contains("127.0.0.1", error, StringComparison.Ordinal);
        Assert.Contains("Outbox__AllowPrivateTargets", error, StringComparison.Ordinal);
        Assert.Empty(subscriber.Received);
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 6205 && entry.Message.Contains("loopback", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Subscription_Deleted_ReceivesNothing()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        var id = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "tag.pushed" } });
        using var admin = WebhookHost.AdminClient(host);

        using var deleted = await admin.DeleteAsync(new Uri($"api/subscriptions/{id}", UriKind.Relative));
        using var afterDelete = await admin.GetAsync(new Uri($"api/subscriptions/{id}", UriKind.Relative));
        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read(PushFixture));
        await WebhookHost.WaitForInboxAppliedAsync(host);
        await host.Service<IOutboxDispatcher>().RunAsync(CancellationToken.None);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterDelete.StatusCode);
        Assert.Empty(await WebhookHost.OutboxRowsAsync(host, id));
        Assert.Empty(subscriber.Received);
    }

    [Fact]
    public async Task Delivery_PushedDigest_MatchesRegistryEvent()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, repositories = new[] { "library/*" }, events = new[] { "tag.pushed" } });

        await WebhookHost.PostEnvelopeAsync(host, Fixtures.Read(PushFixture));
        var received = await subscriber.WaitForAsync(1);
        var body = WebhookHost.Json(received[0]);

        Assert.Equal("application/json; charset=utf-8", received[0].Header("Content-Type"));
        Assert.Equal("tag.pushed", body.GetProperty("type").GetString());
        Assert.Equal("2026-12-04T15:30:18.4456252Z", body.GetProperty("time").GetString());
        Assert.Equal("library/test:1", body.GetProperty("subject").GetString());
        Assert.Equal(PushedDigest, body.GetProperty("data").GetProperty("digest").GetString());
        Assert.Equal(MediaTypes.OciManifest, body.GetProperty("data").GetProperty("mediaType").GetString());
        Assert.Equal(received[0].Header("Portus-Event-Id"), body.GetProperty("id").GetString());
    }

    internal static Subscription NewSubscription(Uri url) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Url = url,
        Filter = RepositoryFilter.Everything,
        Events = ["tag.pushed"],
        CreatedAt = DateTimeOffset.UtcNow,
    };

    internal static PushManifest Push(string repository, string tag, int second) =>
        new(repository, Version(second), Digest(tag), MediaTypes.OciManifest, ManifestDetails.Unknown, tag);

    internal static ChangeVersion Version(int second) =>
        ChangeVersion.At(new DateTimeOffset(2026, 12, 4, 10, 0, second, TimeSpan.Zero), $"event-{second}");

    internal static string Digest(string seed) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed)));
}
