using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PortusFunctions.Events;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Webhooks;

/// <summary>Hosts and API calls for the outgoing webhook tests.</summary>
internal static class WebhookHost
{
    /// <summary>
    /// Starts a host that accepts http and loopback targets, retries after 100 to 200 ms, and runs the dispatcher
    /// timer every second; <paramref name="overrides"/> go on top.
    /// </summary>
    public static Task<PortusHost> StartAsync(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Outbox:AllowHttp"] = "true",
            ["Outbox:AllowPrivateTargets"] = "true",
            ["Outbox:InitialBackoff"] = "00:00:00.2",
            ["Outbox:MaxBackoff"] = "00:00:01",
            ["Outbox:Schedule"] = "*/1 * * * * *",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return PortusHost.StartAsync(overrides: settings);
    }

    /// <summary>Returns a client that sends the admin key.</summary>
    public static HttpClient AdminClient(PortusHost host)
    {
        ArgumentNullException.ThrowIfNull(host);

        var client = new HttpClient { BaseAddress = host.Url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.AdminKey);
        return client;
    }

    /// <summary>POSTs <paramref name="json"/> to <c>/api/subscriptions</c> with the admin key.</summary>
    public static async Task<HttpResponseMessage> PostSubscriptionAsync(PortusHost host, string json)
    {
        using var client = AdminClient(host);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await client.PostAsync(new Uri("api/subscriptions", UriKind.Relative), content);
    }

    /// <summary>Creates a subscription from <paramref name="body"/> and returns its id; fails when the API rejects it.</summary>
    public static async Task<string> SubscribeAsync(PortusHost host, object body)
    {
        using var response = await PostSubscriptionAsync(host, JsonSerializer.Serialize(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/subscriptions returned {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>GETs an admin API path and returns the parsed body; fails unless it returns 200.</summary>
    public static async Task<JsonElement> GetJsonAsync(PortusHost host, string path)
    {
        using var client = AdminClient(host);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} returned {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Returns the deliveries of a subscription from the admin API, newest first.</summary>
    public static async Task<IReadOnlyList<JsonElement>> DeliveriesAsync(PortusHost host, string subscriptionId) =>
        [.. (await GetJsonAsync(host, $"api/subscriptions/{subscriptionId}/deliveries")).GetProperty("deliveries").EnumerateArray()];

    /// <summary>POSTs a registry notification envelope to the host's webhook, as the registry does.</summary>
    public static async Task PostEnvelopeAsync(PortusHost host, string envelope)
    {
        ArgumentNullException.ThrowIfNull(host);

        using var content = new StringContent(envelope, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.docker.distribution.events.v1+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>Waits until the inbox contains at least <paramref name="count"/> events and none is pending.</summary>
    public static Task WaitForInboxAppliedAsync(PortusHost host, int count = 1) =>
        Eventually.ReachAsync(
            () => StoredRows.ReadAsync(host, TableNames.Inbox),
            rows => rows.Count >= count && rows.All(row => row.GetString("Status") != InboxStatus.Pending));

    /// <summary>Returns the outbox rows of one subscription.</summary>
    public static async Task<IReadOnlyList<Azure.Data.Tables.TableEntity>> OutboxRowsAsync(PortusHost host, string subscriptionId) =>
        [.. (await StoredRows.ReadAsync(host, TableNames.Outbox)).Where(row => row.PartitionKey == subscriptionId)];

    /// <summary>Parses a delivery body.</summary>
    public static JsonElement Json(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement.Clone();
}
