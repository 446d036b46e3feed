using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Faults;

/// <summary>The host is killed with SIGKILL while the real registry delivers a burst of notifications.</summary>
public sealed class HostCrashTests
{
    [Fact]
    public async Task Kill_DuringRegistryBurst_StoreEndsEqualToRegistry()
    {
        await using var host = await HostProcess.StartAsync(await SharedAzurite.ConnectionStringAsync());
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();
        const int repositories = 6;
        for (var i = 0; i < repositories; i++)
        {
            await images.BuildAsync($"image{i}");
        }

        var pushes = Enumerable.Range(0, repositories)
            .Select(i => images.PushAsync($"image{i}", registry, $"burst/repo{i}:v1"))
            .ToList();
        await Task.WhenAny(pushes);
        await host.KillAsync();
        await Task.WhenAll(pushes);

        // Changes made while the host is down are held in the registry's queue and sent again after the restart.
        await ImageFactory.RetagAsync(registry, "burst/repo0:v1", "burst/repo0:v2");
        await registry.DeleteManifestAsync("burst/repo1", await registry.DigestAsync("burst/repo1", "v1"));
        await host.StartAgainAsync();

        var expected = await ReadApi.TaggedRepositoriesAsync(registry);
        var actual = await Eventually.ReachAsync(
            () => ReadApi.TaggedRepositoriesAsync(host.Client),
            state => ReadApi.Render(state) == ReadApi.Render(expected),
            TimeSpan.FromSeconds(120));

        Assert.Equal(repositories - 1, expected.Count);
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
    }
}
