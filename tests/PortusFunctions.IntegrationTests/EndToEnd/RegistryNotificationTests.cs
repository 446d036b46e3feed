using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.EndToEnd;

/// <summary>The real registry notifies the bare-metal host while images are pushed, retagged and deleted.</summary>
public sealed class RegistryNotificationTests
{
    [Fact]
    public async Task Notifications_PushRetagDelete_ReadApiEqualsRegistry()
    {
        await using var host = await PortusHost.StartAsync();
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();

        await images.BuildAsync("oci");
        await images.BuildAsync("docker");
        await images.BuildAsync("amd", "amd64");
        await images.BuildAsync("arm", "arm64");
        await images.BuildIndexAsync("multi", "amd", "arm");
        await images.BuildAsync("short-lived");
        await images.BuildAsync("shared");

        await images.PushAsync("oci", registry, "library/oci:v1");
        await images.PushAsync("docker", registry, "team/app/api:v1", dockerFormat: true);
        await images.PushAsync("multi", registry, "multi/app:latest");
        await ImageFactory.RetagAsync(registry, "library/oci:v1", "library/oci:stable");
        await images.PushAsync("short-lived", registry, "library/oci:old");
        await images.PushAsync("shared", registry, "team/app/api:v2");
        await ImageFactory.RetagAsync(registry, "team/app/api:v2", "team/app/api:also-v2");

        // Registry 2.8 deletes tags only through their manifest: "old" is the only tag at its digest.
        await registry.DeleteManifestAsync("library/oci", await registry.DigestAsync("library/oci", "old"));
        await registry.DeleteManifestAsync("team/app/api", await registry.DigestAsync("team/app/api", "v2"));

        var expected = await ReadApi.TaggedRepositoriesAsync(registry);
        var actual = await Eventually.ReachAsync(
            () => ReadApi.TaggedRepositoriesAsync(host.Client),
            state => ReadApi.Render(state) == ReadApi.Render(expected));

        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
        Assert.Equal(["library/oci", "multi/app", "team/app/api"], actual.Keys);
        Assert.Equal(["stable", "v1"], actual["library/oci"].Keys);
        Assert.Equal(actual["library/oci"]["v1"], actual["library/oci"]["stable"]);
        Assert.Equal(["v1"], actual["team/app/api"].Keys);
        Assert.Equal(["latest"], actual["multi/app"].Keys);

        // Deleted manifests are gone too: v1's in team/app/api, and the index with its two platform manifests.
        var manifests = await Eventually.ReachAsync(
            () => ReadApi.ManifestCountsAsync(host.Client),
            counts => counts.GetValueOrDefault("team/app/api") == 1 && counts.GetValueOrDefault("library/oci") == 1);
        Assert.Equal(1, manifests["library/oci"]);
        Assert.Equal(1, manifests["team/app/api"]);
        Assert.Equal(3, manifests["multi/app"]);
    }

    [Fact]
    public async Task Notifications_NestedRepository_KeepsFullNameAndNamespace()
    {
        await using var host = await PortusHost.StartAsync();
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();
        await images.BuildAsync("image");

        await images.PushAsync("image", registry, "team/app/api:v1", dockerFormat: true);
        await images.PushAsync("image", registry, "plain:v1");

        var listing = await Eventually.ReachAsync(
            () => host.Client.GetStringAsync(new Uri("api/repositories", UriKind.Relative)),
            body => body.Contains("team/app/api", StringComparison.Ordinal) && body.Contains("plain", StringComparison.Ordinal));

        Assert.Contains("{\"name\":\"plain\",\"namespace\":null,\"tagCount\":1", listing, StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"team/app/api\",\"namespace\":\"team\",\"tagCount\":1", listing, StringComparison.Ordinal);
    }
}
