using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Events;

/// <summary>Status codes of the webhook, and that a rejected delivery stores nothing.</summary>
public sealed class WebhookTests
{
    private const string V1 = "application/vnd.docker.distribution.events.v1+json";

    [Fact]
    public async Task Post_WrongSecret_Returns401AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync();

        using var response = await PostAsync(host, Fixtures.Read("push-manifest-oci-tag.json"), "Bearer not-the-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    [Fact]
    public async Task Post_NoAuthorizationHeader_Returns401AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync();

        using var response = await PostAsync(host, Fixtures.Read("push-manifest-oci-tag.json"), authorization: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"events\":[]}")]
    [InlineData("{\"events\":{}}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"hello\":\"world\"}")]
    public async Task Post_BodyWithoutEvents_Returns400ProblemAndStoresNothing(string body)
    {
        await using var host = await PortusHost.StartAsync();

        using var response = await PostAsync(host, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"detail\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    [Fact]
    public async Task Post_InvalidUtf8_Returns400AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync();
        using var content = new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        content.Headers.ContentType = new MediaTypeHeaderValue(V1);
        using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    [Fact]
    public async Task Post_BodyOverLimit_Returns413AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Webhook:MaxBodyBytes"] = "4096" });
        var padding = new string(' ', 5000);
        var body = Fixtures.Read("push-manifest-oci-tag.json").Replace("{", "{" + padding, StringComparison.Ordinal);

        using var response = await PostAsync(host, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Webhook__MaxBodyBytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Returns413()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Webhook:MaxBodyBytes"] = "4096" });
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string(' ', 10_000) + "{}")));
        content.Headers.ContentType = new MediaTypeHeaderValue(V1);
        using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Post_StorageDown_Returns503AndStoresNothing()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var host = await PortusHost.StartAsync(azurite.ConnectionString);
        await azurite.StopAsync();

        using var response = await PostAsync(host, Fixtures.Read("push-manifest-oci-tag.json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.Contains("Retry-After"));
        await azurite.StartAgainAsync();
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    [Fact]
    public async Task Post_StorageHangs_Returns503AfterStoreTimeout()
    {
        await using var silent = new SilentServer();
        await using var host = await PortusHost.StartAsync(
            AzuriteServer.ConnectionStringFor(silent.Port),
            new Dictionary<string, string?> { ["Webhook:StoreTimeout"] = "00:00:01" });

        using var response = await PostAsync(host, Fixtures.Read("push-manifest-oci-tag.json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Webhook__StoreTimeout", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 2003);
    }

    [Theory]
    [InlineData(V1)]
    [InlineData("application/vnd.docker.distribution.events.v2+json")]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    public async Task Post_AcceptedContentTypes_Returns202(string contentType)
    {
        await using var host = await PortusHost.StartAsync();

        using var response = await PostAsync(host, Fixtures.Read("push-manifest-oci-tag.json"), contentType: contentType);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Post_UnsupportedContentType_Returns415()
    {
        await using var host = await PortusHost.StartAsync();

        using var response = await PostAsync(host, Fixtures.Read("push-manifest-oci-tag.json"), contentType: "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    [Fact]
    public async Task Post_BareAzureContainerRegistryEvent_IsApplied()
    {
        await using var host = await PortusHost.StartAsync();
        const string body = """
            {"id":"acr-1","timestamp":"2026-12-04T10:00:00.123Z","action":"push",
             "target":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":524,
                       "digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                       "length":524,"repository":"acr/hello","tag":"v1"},
             "request":{"id":"r","host":"myregistry.azurecr.io","method":"PUT","useragent":"docker"}}
            """;

        using var response = await PostAsync(host, body, contentType: "application/json");
        var state = await Eventually.ReachAsync(() => ReadApi.TaggedRepositoriesAsync(host.Client), s => s.ContainsKey("acr/hello"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("sha256:" + new string('a', 64), state["acr/hello"]["v1"]);
    }

    [Fact]
    public async Task Post_EnvelopeWithBadEvents_Returns202AndQuarantinesThem()
    {
        await using var host = await PortusHost.StartAsync();
        const string body = """
            {"events":[
              {"id":"bad-1","timestamp":"2026-12-04T10:00:00Z","action":"push",
               "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","repository":"UPPER/Case","tag":"v1"}},
              {"id":"bad-2","timestamp":"yesterday","action":"delete","target":{"repository":"ok/repo","tag":"v1"}},
              "not an object",
              {"id":"good-1","timestamp":"2026-12-04T10:00:00Z","action":"push",
               "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","repository":"ok/repo","tag":"v1"}}
            ]}
            """;

        using var response = await PostAsync(host, body);
        var quarantine = await StoredRows.ReadAsync(host, TableNames.Quarantine);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("{\"received\":4,\"accepted\":1,\"ignored\":0,\"quarantined\":3}", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, quarantine.Count);
        Assert.Contains(quarantine, row => row.GetString("Reason")!.Contains("Invalid repository name 'UPPER/Case'", StringComparison.Ordinal));
        Assert.Contains(quarantine, row => row.GetString("Reason")!.Contains("Invalid timestamp 'yesterday'", StringComparison.Ordinal));
        Assert.All(quarantine, row => Assert.False(string.IsNullOrEmpty(row.GetString("Raw"))));
    }

    [Fact]
    public async Task Post_EventFromTheFuture_IsQuarantinedNamingClock()
    {
        await using var host = await PortusHost.StartAsync();
        var future = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var body = """{"events":[{"id":"future-1","timestamp":"TIME","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee","repository":"clock/app","tag":"v1"}}]}"""
            .Replace("TIME", future, StringComparison.Ordinal);

        using var response = await PostAsync(host, body);
        var quarantine = await StoredRows.ReadAsync(host, TableNames.Quarantine);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("Webhook__MaxClockSkew", Assert.Single(quarantine).GetString("Reason"), StringComparison.Ordinal);
        Assert.Empty(await StoredRows.ReadAsync(host, TableNames.Inbox));
    }

    [Fact]
    public async Task Post_TooManyEvents_Returns413AndStoresNothing()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Webhook:MaxEventsPerRequest"] = "10" });
        var events = string.Join(",", Enumerable.Repeat("{}", 11));

        using var response = await PostAsync(host, $"{{\"events\":[{events}]}}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Webhook__MaxEventsPerRequest", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await StoredRows.CountEventDataAsync(host));
    }

    private static async Task<HttpResponseMessage> PostAsync(
        PortusHost host,
        string body,
        string? authorization = "Bearer " + PortusHost.Secret,
        string contentType = V1)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
        request.Headers.Authorization = null;
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var client = new HttpClient();
        return await client.SendAsync(request);
    }
}
