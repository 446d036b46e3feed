using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Faults;

/// <summary>Azurite stops while the registry delivers notifications, and comes back.</summary>
public sealed class StorageOutageTests
{
    [Fact]
    public async Task AzuriteStopped_DuringBurst_Returns503ThenConverges()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var host = await PortusHost.StartAsync(azurite.ConnectionString);
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();
        for (var i = 0; i < 6; i++)
        {
            await images.BuildAsync($"image{i}");
        }

        await images.PushAsync("image0", registry, "outage/before:v1");
        await Eventually.ReachAsync(() => ReadApi.TaggedRepositoriesAsync(host.Client), state => state.ContainsKey("outage/before"));

        await azurite.StopAsync();
        for (var i = 1; i < 6; i++)
        {
            await images.PushAsync($"image{i}", registry, $"outage/during{i}:v1");
        }

        await registry.DeleteManifestAsync("outage/during1", await registry.DigestAsync("outage/during1", "v1"));
        await Eventually.ReachAsync(
            () => Task.FromResult(host.Logs.Entries.Count(entry => entry.EventId.Id == 2002)),
            rejected => rejected > 0);
        await azurite.StartAgainAsync();

        var expected = await ReadApi.TaggedRepositoriesAsync(registry);
        var actual = await Eventually.ReachAsync(
            () => ReadApi.TaggedRepositoriesAsync(host.Client),
            state => ReadApi.Render(state) == ReadApi.Render(expected),
            TimeSpan.FromSeconds(120));

        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 2002);
        Assert.Equal(5, expected.Count);
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
    }
}
