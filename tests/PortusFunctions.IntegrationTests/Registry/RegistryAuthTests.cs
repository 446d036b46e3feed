using System.Net;
using System.Net.Http.Headers;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.IntegrationTests.Sync;
using PortusFunctions.Registry;

namespace PortusFunctions.IntegrationTests.Registry;

/// <summary>
/// The registry client against Debian's registry with token authentication (a token server started by the test,
/// whose certificate the registry trusts) and with basic authentication (an htpasswd file).
/// </summary>
public sealed class RegistryAuthTests
{
    private const string User = "alice";
    private const string Password = "s3cret-pass";

    [Fact]
    public async Task TokenAuth_Import_MatchesSeedAndCachesTokens()
    {
        await using var tokens = await TokenServer.StartAsync();
        await using var scenario = await SyncScenario.SeedAsync(tokens.RegistryAuthSection());
        tokens.RequiredCredentials = (User, Password);
        var issuedBeforeSync = tokens.IssuedScopes.Count;
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete", Credentials(User, Password));

        var first = await SyncTestKit.SyncAsync(host);
        var second = await SyncTestKit.SyncAsync(host);

        var stored = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var scopes = tokens.IssuedScopes.Skip(issuedBeforeSync).ToList();
        Assert.Equal("completed", first.Outcome);
        Assert.Equal("completed", second.Outcome);
        Assert.Equal(SyncScenario.SeededTags.Keys, stored.Keys);
        foreach (var (repository, tags) in SyncScenario.SeededTags)
        {
            Assert.Equal(tags, stored[repository].Keys);
        }

        // One token per scope serves both runs, because tokens live five minutes.
        Assert.Equal(1, scopes.Count(scope => scope == RegistryScopes.Catalog));
        Assert.Equal(1, scopes.Count(scope => scope == RegistryScopes.Pull("team/app/api")));
        Assert.Equal(1 + SyncScenario.SeededTags.Count, scopes.Count);
    }

    [Fact]
    public async Task TokenAuth_ShortLivedTokens_AreRequestedAgain()
    {
        await using var tokens = await TokenServer.StartAsync();
        await using var scenario = await SyncScenario.SeedAsync(tokens.RegistryAuthSection());
        tokens.Lifetime = TimeSpan.FromSeconds(4);
        var issuedBeforeSync = tokens.IssuedScopes.Count;
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update");

        await SyncTestKit.SyncAsync(host);
        await Task.Delay(TimeSpan.FromSeconds(4));
        await SyncTestKit.SyncAsync(host);

        var catalogTokens = tokens.IssuedScopes.Skip(issuedBeforeSync).Count(scope => scope == RegistryScopes.Catalog);
        Assert.Equal(2, catalogTokens);
    }

    [Fact]
    public async Task TokenAuth_WrongPassword_FailsAndDeletesNothing()
    {
        await using var tokens = await TokenServer.StartAsync();
        await using var scenario = await SyncScenario.SeedAsync(tokens.RegistryAuthSection());
        tokens.RequiredCredentials = (User, Password);
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete", Credentials(User, Password));
        await SyncTestKit.SyncAsync(host);
        var imported = await ReadApi.TaggedRepositoriesAsync(host.Client);
        await using var wrong = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete", new Dictionary<string, string?>(Credentials(User, "wrong"))
        {
            ["Storage:TablePrefix"] = host.Settings["Storage:TablePrefix"],
        });

        var (status, _, body) = await SyncTestKit.PostSyncAsync(wrong);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("rejected the credentials of Registry__Username 'alice'", body, StringComparison.Ordinal);
        Assert.Contains("check Registry__Username and Registry__Password", body, StringComparison.Ordinal);
        Assert.Equal(ReadApi.Render(imported), ReadApi.Render(await ReadApi.TaggedRepositoriesAsync(wrong.Client)));
    }

    [Fact]
    public async Task TokenAuth_RepositoryDenied_IsKeptAndCountedAsError()
    {
        await using var tokens = await TokenServer.StartAsync();
        await using var scenario = await SyncScenario.SeedAsync(tokens.RegistryAuthSection());
        await using var importer = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete");
        await SyncTestKit.SyncAsync(importer);
        await scenario.ChangeAsync();
        tokens.DeniedRepositories["team/app/api"] = true;

        // A new host has no cached token, so the denied scope is asked for afresh.
        await using var host = await SyncTestKit.StartHostAsync(
            scenario.Registry.Url, "update-delete", new Dictionary<string, string?> { ["Storage:TablePrefix"] = importer.Settings["Storage:TablePrefix"] });
        var reply = await SyncTestKit.SyncAsync(host);

        var stored = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.Equal("completed", reply.Outcome);
        Assert.Equal(["also-v2", "v1", "v2"], stored["team/app/api"].Keys);
        Assert.DoesNotContain("gone/repo", stored.Keys);
        Assert.Equal(2, reply.Run!.Count("Errors"));
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 3147 && entry.Exception is RegistryAuthException);
    }

    [Fact]
    public async Task BasicAuth_Import_MatchesRegistry()
    {
        var basicAuth = await RegistryServer.BasicAuthSectionAsync(User, Password);
        await using var scenario = await SyncScenario.SeedAsync(basicAuth, $"{User}:{Password}");
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete", Credentials(User, Password));
        await SyncTestKit.SyncAsync(host);
        await scenario.ChangeAsync();

        var reply = await SyncTestKit.SyncAsync(host);

        var stored = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.Equal("completed", reply.Outcome);
        Assert.Equal(["library/oci", "multi/app", "team/app/api"], stored.Keys);
        Assert.Equal(["v1"], stored["team/app/api"].Keys);
        Assert.Single(host.Logs.Entries, entry => entry.EventId.Id == 3001 && entry.Message.Contains("Basic", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BasicAuth_NoCredentials_FailsNamingSettings()
    {
        var basicAuth = await RegistryServer.BasicAuthSectionAsync(User, Password);
        await using var scenario = await SyncScenario.SeedAsync(basicAuth, $"{User}:{Password}");
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update");

        var (status, _, body) = await SyncTestKit.PostSyncAsync(host);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("requires authentication: set Registry__Username and Registry__Password", body, StringComparison.Ordinal);
        Assert.Empty(await ReadApi.TaggedRepositoriesAsync(host.Client));
    }

    [Fact]
    public async Task PullAuthorization_TokenRegistry_ReturnsBearerThatPulls()
    {
        await using var tokens = await TokenServer.StartAsync();
        await using var scenario = await SyncScenario.SeedAsync(tokens.RegistryAuthSection());
        tokens.RequiredCredentials = (User, Password);
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "disabled", Credentials(User, Password));

        var authorization = await host.Service<IRegistryPullAuthorization>().GetAsync("library/oci", CancellationToken.None);

        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await PullStatusAsync(scenario.Registry, "library/oci", authorization));
        Assert.Equal(HttpStatusCode.Unauthorized, await PullStatusAsync(scenario.Registry, "library/oci", null));
        Assert.Contains(RegistryScopes.Pull("library/oci"), tokens.IssuedScopes);
    }

    [Fact]
    public async Task PullAuthorization_BasicRegistry_ReturnsBasicThatPulls()
    {
        var basicAuth = await RegistryServer.BasicAuthSectionAsync(User, Password);
        await using var scenario = await SyncScenario.SeedAsync(basicAuth, $"{User}:{Password}");
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "disabled", Credentials(User, Password));

        var authorization = await host.Service<IRegistryPullAuthorization>().GetAsync("library/oci", CancellationToken.None);

        Assert.StartsWith("Basic ", authorization, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await PullStatusAsync(scenario.Registry, "library/oci", authorization));
    }

    [Fact]
    public async Task PullAuthorization_AnonymousRegistry_ReturnsNull()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "disabled");

        var authorization = await host.Service<IRegistryPullAuthorization>().GetAsync("library/oci", CancellationToken.None);

        Assert.Null(authorization);
    }

    private static Dictionary<string, string?> Credentials(string user, string password) => new()
    {
        ["Registry:Username"] = user,
        ["Registry:Password"] = password,
    };

    private static async Task<HttpStatusCode> PullStatusAsync(RegistryServer registry, string repository, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.Url, $"v2/{repository}/manifests/v1"));
        foreach (var mediaType in MediaTypes.Manifests)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await registry.Client.SendAsync(request);
        return response.StatusCode;
    }
}
