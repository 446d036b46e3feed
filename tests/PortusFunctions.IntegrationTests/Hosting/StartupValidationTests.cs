using Microsoft.Extensions.Options;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Hosting;

/// <summary>A missing or wrong setting stops the start with a message that names it.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Webhook:Secret", "Webhook__Secret")]
    [InlineData("Access:ReaderKey", "Access__ReaderKey")]
    [InlineData("Access:AdminKey", "Access__AdminKey")]
    [InlineData("Storage:Tables", "Storage__Tables")]
    public async Task Start_MissingSetting_FailsNamingIt(string key, string settingName)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(
            () => PortusHost.StartAsync(overrides: new Dictionary<string, string?> { [key] = "" }));

        Assert.Contains(settingName, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Storage:Tables", "not a connection string", "Storage__Tables")]
    [InlineData("Access:ReaderKey", "short", "Access__ReaderKey is 5 characters long")]
    [InlineData("Access:AdminKey", PortusHost.ReaderKey, "Access__AdminKey equals Access__ReaderKey")]
    [InlineData("Webhook:Secret", "tiny", "Webhook__Secret is 4 characters long")]
    [InlineData("Registry:Url", "https://registry.example.com/v2/", "ends in /v2")]
    [InlineData("Scan:MaxRetryBackoff", "00:00:01", "Scan__MaxRetryBackoff")]
    public async Task Start_InvalidSetting_FailsNamingIt(string key, string value, string expected)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(
            () => PortusHost.StartAsync(overrides: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ValueOfWrongType_ProcessNamesSettingAndFix()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var host = await HostProcess.StartAsync(await SharedAzurite.ConnectionStringAsync(), new Dictionary<string, string> { ["Access__DevelopmentMode"] = "maybe" });
        });

        Assert.Contains("Access__DevelopmentMode = 'maybe' is not a valid Boolean: use true or false.", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DevelopmentModeWithoutSecrets_Starts()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Access:DevelopmentMode"] = "true",
            ["Webhook:Secret"] = "",
            ["Access:ReaderKey"] = "",
            ["Access:AdminKey"] = "",
        });
        using var anonymous = new HttpClient { BaseAddress = host.Url };

        using var response = await anonymous.GetAsync(new Uri("api/repositories", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Start_InvalidSchedule_FailsNamingIt()
    {
        var failure = await Assert.ThrowsAsync<FormatException>(
            () => PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Inbox:DrainSchedule"] = "every minute" }));

        Assert.Contains("Inbox__DrainSchedule", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ScheduleThatNeverFires_FailsNamingIt()
    {
        var failure = await Assert.ThrowsAsync<FormatException>(
            () => PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Sync:Schedule"] = "0 0 0 31 2 *" }));

        Assert.Contains("Sync__Schedule", failure.Message, StringComparison.Ordinal);
        Assert.Contains("never fires", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ScheduleMonthsAhead_WaitsWithoutErrors()
    {
        var month = DateTime.UtcNow.AddMonths(3).Month;
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Sync:Schedule"] = $"0 0 0 1 {month} *" });

        var entries = await Eventually.ReachAsync(
            () => Task.FromResult(host.Logs.Entries),
            logged => logged.Any(entry => entry.EventId.Id == 5001 && entry.Message.Contains("Sync", StringComparison.Ordinal)));
        await Task.Delay(500);

        Assert.Contains(entries, entry => entry.EventId.Id == 5001 && entry.Message.Contains("Sync", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Entries, entry => entry.EventId.Id == 5002);
    }

    [Fact]
    public async Task ReadApi_WithoutKey_Returns401WithBasicChallenge()
    {
        await using var host = await PortusHost.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = host.Url };

        using var response = await anonymous.GetAsync(new Uri("api/repositories", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("GET", "api/nothing-here", 404)]
    [InlineData("DELETE", "api/repositories", 405)]
    public async Task UnknownRouteOrMethod_ReturnsProblemBody(string method, string path, int status)
    {
        await using var host = await PortusHost.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Vulnerabilities_ShortSha256Digest_Returns400()
    {
        await using var host = await PortusHost.StartAsync();

        using var response = await host.Client.GetAsync(new Uri("api/vulnerabilities?repository=team/app&digest=sha256:zz", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sha256:zz", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
