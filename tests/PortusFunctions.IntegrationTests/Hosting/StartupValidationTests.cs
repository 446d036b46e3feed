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
    public async Task ReadApi_WithoutKey_Returns401WithBasicChallenge()
    {
        await using var host = await PortusHost.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = host.Url };

        using var response = await anonymous.GetAsync(new Uri("api/repositories", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }
}
