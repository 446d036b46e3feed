using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Webhooks;

/// <summary>The subscription API on the bare-metal host: validation, target checks, and what it never returns.</summary>
public sealed class SubscriptionApiTests
{
    [Fact]
    public async Task Create_Valid_HidesSecretAndHeaderValues()
    {
        await using var host = await WebhookHost.StartAsync();
        const string body = """
            {"url":"https://203.0.113.10/hooks/portus","repositories":["team/app","team/*"],"namespace":"ops",
             "events":["tag.pushed","vulnerabilities.found"],"minimumSeverity":"HIGH","format":"cloudevents",
             "headers":{"Authorization":"Bearer header-value-never-returned"},"secret":"secret-never-returned-0123",
             "description":"deploy pipeline"}
            """;

        using var created = await WebhookHost.PostSubscriptionAsync(host, body);
        var createdText = await created.Content.ReadAsStringAsync();
        var id = JsonDocument.Parse(createdText).RootElement.GetProperty("id").GetString()!;
        var fetched = await WebhookHost.GetJsonAsync(host, $"api/subscriptions/{id}");
        var listed = await WebhookHost.GetJsonAsync(host, "api/subscriptions");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain("never-returned", createdText, StringComparison.Ordinal);
        Assert.DoesNotContain("never-returned", fetched.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("never-returned", listed.GetRawText(), StringComparison.Ordinal);
        Assert.True(fetched.GetProperty("hasSecret").GetBoolean());
        Assert.Equal(["Authorization"], fetched.GetProperty("headerNames").EnumerateArray().Select(name => name.GetString()));
        Assert.Equal("high", fetched.GetProperty("minimumSeverity").GetString());
        Assert.Equal("cloudevents", fetched.GetProperty("format").GetString());
        Assert.Equal("ops", fetched.GetProperty("namespace").GetString());
        Assert.Equal(["team/app", "team/*"], fetched.GetProperty("repositories").EnumerateArray().Select(pattern => pattern.GetString()));
        Assert.Equal("active", fetched.GetProperty("status").GetString());
        Assert.Contains(listed.GetProperty("subscriptions").EnumerateArray(), item => item.GetProperty("id").GetString() == id);
    }

    [Theory]
    [InlineData("""{"events":["tag.pushed"]}""", "url")]
    [InlineData("""{"url":"not a url","events":["tag.pushed"]}""", "url")]
    [InlineData("""{"url":"ftp://203.0.113.10/x","events":["tag.pushed"]}""", "url")]
    [InlineData("""{"url":"https://user:pass@203.0.113.10/x","events":["tag.pushed"]}""", "url")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"repositories":"team/app"}""", "repositories")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"repositories":["Team/App"]}""", "repositories")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"repositories":["team/a**"]}""", "repositories")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"namespace":"team/app"}""", "namespace")]
    [InlineData("""{"url":"https://203.0.113.10/x"}""", "events")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":[]}""", "events")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["image.pushed"]}""", "events")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["vulnerabilities.found"]}""", "minimumSeverity")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["vulnerabilities.found"],"minimumSeverity":"severe"}""", "minimumSeverity")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"minimumSeverity":"high"}""", "minimumSeverity")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"format":"xml"}""", "format")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"headers":{"Host":"internal"}}""", "headers")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"headers":{"Portus-Signature":"x"}}""", "headers")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"headers":{"X-Bad":"a\nb"}}""", "headers")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"secret":"short"}""", "secret")]
    [InlineData("""{"url":"https://203.0.113.10/x","events":["tag.pushed"],"event":"tag.deleted"}""", "event")]
    public async Task Create_InvalidField_Returns400NamingTheField(string body, string field)
    {
        await using var host = await WebhookHost.StartAsync();

        using var response = await WebhookHost.PostSubscriptionAsync(host, body);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors does not name '{field}': {problem.GetRawText()}");
        Assert.StartsWith(field + ": ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await StoredRows.ReadAsync(host, "Subscriptions"));
    }

    [Fact]
    public async Task Create_LoopbackAddress_RejectedNamingAddressAndSetting()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?> { ["Outbox:AllowPrivateTargets"] = "false" });

        var detail = await RejectedDetailAsync(host, "http://127.0.0.1:9/hook");

        Assert.Contains("address 127.0.0.1 is in the loopback range", detail, StringComparison.Ordinal);
        Assert.Contains("Outbox__AllowPrivateTargets=true", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://10.1.2.3/hook", "private")]
    [InlineData("https://172.20.0.1/hook", "private")]
    [InlineData("https://192.168.1.1/hook", "private")]
    [InlineData("https://100.64.0.1/hook", "carrier-grade NAT")]
    [InlineData("https://169.254.10.10/hook", "link-local")]
    [InlineData("https://[::ffff:10.0.0.1]/hook", "private")]
    [InlineData("https://[fd12:3456::1]/hook", "private")]
    [InlineData("https://[fe80::1]/hook", "link-local")]
    [InlineData("https://[::1]/hook", "loopback")]
    [InlineData("https://0.0.0.0/hook", "unspecified")]
    [InlineData("https://224.0.0.1/hook", "multicast")]
    public async Task Create_NonPublicAddress_Rejected(string url, string range)
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?> { ["Outbox:AllowPrivateTargets"] = "false" });

        var detail = await RejectedDetailAsync(host, url);

        Assert.Contains($"in the {range}", detail, StringComparison.Ordinal);
        Assert.Contains("Outbox__AllowPrivateTargets", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_HostResolvingToLoopback_RejectedAfterResolution()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?> { ["Outbox:AllowPrivateTargets"] = "false" });

        var detail = await RejectedDetailAsync(host, "https://localhost:9/hook");

        Assert.Contains("host 'localhost' resolves to", detail, StringComparison.Ordinal);
        Assert.Contains("loopback", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[fd00:ec2::254]/latest")]
    [InlineData("https://168.63.129.16/machine")]
    public async Task Create_MetadataAddress_RejectedEvenWhenPrivateAllowed(string url)
    {
        await using var host = await WebhookHost.StartAsync();

        var detail = await RejectedDetailAsync(host, url);

        Assert.Contains("cloud metadata", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_HttpWithoutSetting_RejectedNamingSetting()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?> { ["Outbox:AllowHttp"] = "false" });

        var detail = await RejectedDetailAsync(host, "http://203.0.113.10/hook");

        Assert.Contains("scheme 'http' is rejected", detail, StringComparison.Ordinal);
        Assert.Contains("Outbox__AllowHttp=true", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_ReaderKey_Returns401()
    {
        await using var host = await WebhookHost.StartAsync();

        using var list = await host.Client.GetAsync(new Uri("api/subscriptions", UriKind.Relative));
        using var content = new StringContent("""{"url":"https://203.0.113.10/x","events":["tag.pushed"]}""", Encoding.UTF8, "application/json");
        using var create = await host.Client.PostAsync(new Uri("api/subscriptions", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
        Assert.Empty(await StoredRows.ReadAsync(host, "Subscriptions"));
    }

    [Fact]
    public async Task Get_UnknownId_Returns404()
    {
        await using var host = await WebhookHost.StartAsync();
        using var admin = WebhookHost.AdminClient(host);

        using var unknown = await admin.GetAsync(new Uri($"api/subscriptions/{Guid.NewGuid():N}", UriKind.Relative));
        using var malformed = await admin.GetAsync(new Uri("api/subscriptions/not-an-id/deliveries", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
    }

    [Fact]
    public async Task Create_PlainTextBody_Returns415()
    {
        await using var host = await WebhookHost.StartAsync();
        using var admin = WebhookHost.AdminClient(host);
        using var content = new StringContent("url=https://203.0.113.10/x", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");

        using var response = await admin.PostAsync(new Uri("api/subscriptions", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private static async Task<string> RejectedDetailAsync(PortusHost host, string url)
    {
        using var response = await WebhookHost.PostSubscriptionAsync(host, JsonSerializer.Serialize(new { url, events = new[] { "tag.pushed" } }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"POST {url} returned {(int)response.StatusCode}: {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _), text);
        return problem.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task Create_InvalidUtf8_Returns400NamingBody()
    {
        await using var host = await WebhookHost.StartAsync();
        using var client = WebhookHost.AdminClient(host);
        using var content = new ByteArrayContent([(byte)'{', (byte)'"', (byte)'u', (byte)'r', (byte)'l', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}']);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync(new Uri("api/subscriptions", UriKind.Relative), content);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
