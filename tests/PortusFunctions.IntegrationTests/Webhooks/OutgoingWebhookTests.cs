using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Webhooks;

/// <summary>Pushes to the real registry reach subscriber servers through the host, signed and in both formats.</summary>
public sealed class OutgoingWebhookTests
{
    private const string Secret = "subscriber-secret-0123456789abcdef";

    [Fact]
    public async Task RegistryPush_ReachesMatchingSubscriptionsOnly()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();
        await using var exact = await SubscriberServer.StartAsync();
        await using var byNamespace = await SubscriberServer.StartAsync();
        await using var byGlob = await SubscriberServer.StartAsync();
        await using var otherRepository = await SubscriberServer.StartAsync();
        await using var otherEvent = await SubscriberServer.StartAsync();
        await WebhookHost.SubscribeAsync(host, new { url = exact.Url, repositories = new[] { "team/app" }, events = new[] { "tag.pushed" }, secret = Secret });
        await WebhookHost.SubscribeAsync(host, new { url = byNamespace.Url, @namespace = "team", events = new[] { "tag.pushed" } });
        await WebhookHost.SubscribeAsync(host, new { url = byGlob.Url, repositories = new[] { "*/a*" }, events = new[] { "tag.pushed" } });
        var otherRepositoryId = await WebhookHost.SubscribeAsync(host, new { url = otherRepository.Url, repositories = new[] { "team/app/**", "other/*" }, events = new[] { "tag.pushed" } });
        var otherEventId = await WebhookHost.SubscribeAsync(host, new { url = otherEvent.Url, repositories = new[] { "team/app" }, events = new[] { "tag.deleted", "repository.deleted" } });

        await images.BuildAsync("app");
        await images.PushAsync("app", registry, "team/app:v1");
        var digest = await registry.DigestAsync("team/app", "v1");
        var received = await exact.WaitForAsync(1);
        await byNamespace.WaitForAsync(1);
        await byGlob.WaitForAsync(1);
        await WebhookHost.WaitForInboxAppliedAsync(host);

        var body = WebhookHost.Json(received[0]);
        Assert.Equal("tag.pushed", body.GetProperty("type").GetString());
        Assert.Equal("team/app:v1", body.GetProperty("subject").GetString());
        Assert.Equal("team/app", body.GetProperty("data").GetProperty("repository").GetString());
        Assert.Equal("v1", body.GetProperty("data").GetProperty("tag").GetString());
        Assert.Equal(digest, body.GetProperty("data").GetProperty("digest").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").GetProperty("previousDigest").ValueKind);
        Assert.Equal("tag.pushed", received[0].Header("Portus-Event-Type"));
        Assert.Single(byNamespace.Received);
        Assert.Single(byGlob.Received);
        Assert.Empty(await WebhookHost.OutboxRowsAsync(host, otherRepositoryId));
        Assert.Empty(await WebhookHost.OutboxRowsAsync(host, otherEventId));
        Assert.Empty(otherRepository.Received);
        Assert.Empty(otherEvent.Received);
    }

    [Fact]
    public async Task RegistryPush_WithSecret_SignatureVerifies()
    {
        await using var host = await WebhookHost.StartAsync();
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();
        await using var signed = await SubscriberServer.StartAsync();
        await using var unsigned = await SubscriberServer.StartAsync();
        await WebhookHost.SubscribeAsync(host, new { url = signed.Url, events = new[] { "tag.pushed" }, secret = Secret });
        await WebhookHost.SubscribeAsync(host, new { url = unsigned.Url, events = new[] { "tag.pushed" } });

        await images.BuildAsync("signed");
        await images.PushAsync("signed", registry, "library/signed:1.0", dockerFormat: true);
        var request = (await signed.WaitForAsync(1))[0];
        var plain = (await unsigned.WaitForAsync(1))[0];

        // Verify as a subscriber would, with nothing but the secret, the headers and the raw body.
        var header = request.Header("Portus-Signature")!;
        var parts = header.Split(',').Select(part => part.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);
        var timestamp = long.Parse(parts["t"], CultureInfo.InvariantCulture);
        var signedBytes = Encoding.ASCII.GetBytes(parts["t"] + ".").Concat(request.Body).ToArray();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signedBytes));
        Assert.Equal(expected, parts["v1"]);
        Assert.Equal(parts["t"], request.Header("Portus-Timestamp"));
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, 0, 300);
        Assert.Matches("^[0-9a-f]{32}$", request.Header("Portus-Delivery-Id")!);
        Assert.Null(plain.Header("Portus-Signature"));
        Assert.NotNull(plain.Header("Portus-Delivery-Id"));
    }

    [Fact]
    public async Task RegistryPush_CloudEventsSubscriber_ReceivesValidEnvelope()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?> { ["Outbox:EventSource"] = "https://registry.example.com" });
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();
        await using var subscriber = await SubscriberServer.StartAsync();
        await WebhookHost.SubscribeAsync(host, new
        {
            url = subscriber.Url,
            repositories = new[] { "team/**" },
            events = new[] { "tag.pushed" },
            format = "cloudevents",
            headers = new Dictionary<string, string> { ["Authorization"] = "Bearer subscriber-token", ["X-Team"] = "platform" },
        });

        await images.BuildAsync("cloud");
        await images.PushAsync("cloud", registry, "team/cloud/api:v2");
        var digest = await registry.DigestAsync("team/cloud/api", "v2");
        var request = (await subscriber.WaitForAsync(1))[0];

        var contentType = new System.Net.Mime.ContentType(request.Header("Content-Type")!);
        var cloudEvent = new JsonEventFormatter().DecodeStructuredModeMessage(request.Body, contentType, extensionAttributes: null);
        Assert.Equal("application/cloudevents+json", contentType.MediaType);
        Assert.Equal(CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
        Assert.True(cloudEvent.IsValid);
        Assert.Equal("portus.tag.pushed", cloudEvent.Type);
        Assert.Equal(new Uri("https://registry.example.com"), cloudEvent.Source);
        Assert.Equal("team/cloud/api:v2", cloudEvent.Subject);
        Assert.Equal("application/json", cloudEvent.DataContentType);
        Assert.Equal(request.Header("Portus-Event-Id"), cloudEvent.Id);
        Assert.NotNull(cloudEvent.Time);
        var data = Assert.IsType<JsonElement>(cloudEvent.Data);
        Assert.Equal(digest, data.GetProperty("digest").GetString());
        Assert.Equal("Bearer subscriber-token", request.Header("Authorization"));
        Assert.Equal("platform", request.Header("X-Team"));
    }
}
