using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Faults;

/// <summary>Hostile bodies get a clear response, the host stays up, and nothing is stored half-way.</summary>
public sealed class HostileInputTests
{
    private const string Digest = "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

    [Fact]
    public async Task DeeplyNestedJson_Returns400AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync();
        var body = "{\"events\":[" + new string('[', 200_000) + new string(']', 200_000) + "]}";

        using var response = await PostAsync(host, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("depth", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        await AssertHealthyAsync(host);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    [Fact]
    public async Task HugeRepositoryName_IsQuarantinedWithTruncatedRaw()
    {
        await using var host = await PortusHost.StartAsync();
        var huge = new string('a', 900_000);

        using var response = await PostAsync(host, Encoding.UTF8.GetBytes(Push("huge-1", huge, "v1")));
        var quarantine = await StoredRows.ReadAsync(host, TableNames.Quarantine);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var row = Assert.Single(quarantine);
        Assert.Contains("Invalid repository name", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal(30_000, row.GetString("Raw")!.Length);
        Assert.True(row.GetInt32("RawLength") > 900_000);
        Assert.Empty(await StoredRows.ReadAsync(host, TableNames.Inbox));
        await AssertHealthyAsync(host);
    }

    [Fact]
    public async Task InvalidUtf8InsideString_Returns400AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync();
        var body = Encoding.UTF8.GetBytes(Push("utf-1", "team/app", "v1")).ToList();
        body.InsertRange(body.IndexOf((byte)'v'), [0xFF, 0xFE]);

        using var response = await PostAsync(host, [.. body]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
        await AssertHealthyAsync(host);
    }

    [Fact]
    public async Task InvalidUtf8InOtherField_Returns400AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync();
        var body = Encoding.UTF8.GetBytes(Push("utf-2", "team/app", "v1").Replace("\"action\"", "\"useragent\":\"XX\",\"action\"", StringComparison.Ordinal)).ToList();
        var at = body.IndexOf((byte)'X');
        body[at] = 0xC3;
        body[at + 1] = 0x28;

        using var response = await PostAsync(host, [.. body]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
        await AssertHealthyAsync(host);
    }

    [Fact]
    public async Task RepositoryNamesAtAndPastLimit_AppliesOneQuarantinesOther()
    {
        await using var host = await PortusHost.StartAsync();
        var atLimit = string.Join("/", Enumerable.Repeat("a", 128));
        var pastLimit = atLimit + "b";
        var body = "{\"events\":[" + Event("limit-1", atLimit) + "," + Event("limit-2", pastLimit) + "]}";

        using var response = await PostAsync(host, Encoding.UTF8.GetBytes(body));
        var state = await Eventually.ReachAsync(() => ReadApi.TaggedRepositoriesAsync(host.Client), s => s.ContainsKey(atLimit));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(255, atLimit.Length);
        Assert.Equal(Digest, state[atLimit]["v1"]);
        Assert.Single(await StoredRows.ReadAsync(host, TableNames.Quarantine));
    }

    [Theory]
    [InlineData("team/app\u0000x", "v1")]
    [InlineData("team/app", "v1\u0007")]
    [InlineData("team/\u202eapp", "v1")]
    public async Task ControlCharacters_AreQuarantined(string repository, string tag)
    {
        await using var host = await PortusHost.StartAsync();

        using var response = await PostAsync(host, Encoding.UTF8.GetBytes(Push("ctl-1", repository, tag)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("{\"received\":1,\"accepted\":0,\"ignored\":0,\"quarantined\":1}", await response.Content.ReadAsStringAsync());
        Assert.Empty(await StoredRows.ReadAsync(host, TableNames.Inbox));
    }

    [Fact]
    public async Task MillionEventsInOneEnvelope_Returns413AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Webhook:MaxBodyBytes"] = "8388608" });
        var body = new StringBuilder("{\"events\":[");
        body.Append(string.Join(",", Enumerable.Repeat("{}", 1_000_000)));
        body.Append("]}");

        using var response = await PostAsync(host, Encoding.UTF8.GetBytes(body.ToString()));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1000000 events", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
        await AssertHealthyAsync(host);
    }

    [Fact]
    public async Task MillionEventsOverBodyLimit_Returns413BeforeParsing()
    {
        await using var host = await PortusHost.StartAsync();
        var body = "{\"events\":[" + string.Join(",", Enumerable.Repeat("{}", 1_000_000)) + "]}";

        using var response = await PostAsync(host, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Webhook__MaxBodyBytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    private static string Push(string id, string repository, string tag) =>
        "{\"events\":[" + Event(id, repository, tag) + "]}";

    private static string Event(string id, string repository, string tag = "v1") =>
        "{\"id\":\"" + id + "\",\"timestamp\":\"2026-12-04T10:00:00Z\",\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"digest\":\"" + Digest + "\",\"repository\":" + System.Text.Json.JsonSerializer.Serialize(repository) + ",\"tag\":" + System.Text.Json.JsonSerializer.Serialize(tag) + "}}";

    private static async Task<HttpResponseMessage> PostAsync(PortusHost host, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.docker.distribution.events.v1+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
        using var client = new HttpClient();
        return await client.SendAsync(request);
    }

    private static async Task AssertHealthyAsync(PortusHost host)
    {
        using var health = await host.Client.GetAsync(new Uri("api/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
