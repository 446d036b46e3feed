using System.Net;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Faults;

/// <summary>Storage that worked and then stops makes every endpoint answer 503 with a body, never 500.</summary>
public sealed class StorageLostAfterStartTests
{
    [Theory]
    [InlineData("api/health")]
    [InlineData("")]
    [InlineData("api/overview")]
    [InlineData("api/repositories")]
    [InlineData("api/repositories/tags?repository=library/test")]
    [InlineData("api/vulnerabilities?repository=library/test&tag=1")]
    [InlineData("api/sync/status")]
    [InlineData("api/subscriptions")]
    public async Task Get_StorageStoppedAfterUse_Returns503WithBody(string path)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var host = await PortusHost.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Scan:Scanner"] = "fake" });
        using var admin = new HttpClient { BaseAddress = host.Url };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", PortusHost.AdminKey);
        using (var warm = await admin.GetAsync(new Uri(path, UriKind.Relative)))
        {
            Assert.NotEqual(HttpStatusCode.InternalServerError, warm.StatusCode);
        }

        await azurite.StopAsync();
        using var response = await admin.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotEmpty(body);
    }
}
