using Microsoft.AspNetCore.Http;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Sync;

/// <summary>
/// A proxy in front of the real registry injects one fault into an <c>update-delete</c> run that has real deletes
/// to make: no fault may delete what the registry still holds, and the next clean run must converge.
/// </summary>
public sealed class SyncFaultTests
{
    // The guard is off, so that what keeps a fault from deleting is the read itself, not the guard.
    private static readonly Dictionary<string, string?> FastFailures = new()
    {
        ["Registry:PageSize"] = "2",
        ["Registry:MaxRetries"] = "1",
        ["Registry:RequestTimeout"] = "00:00:01",
        ["Sync:DeleteGuardRatio"] = "1",
    };

    /// <summary>Each fault, the status of the faulty run's response, and a phrase of its body that shows the fault was seen.</summary>
    public static TheoryData<string, int, string> Faults { get; } = new()
    {
        { "catalog-500", 502, "returned 500" },
        { "catalog-401", 502, "returned 401" },
        { "catalog-429", 200, "\"outcome\":\"completed\"" },
        { "catalog-timeout", 502, "timed out after 1 s" },
        { "catalog-connection-dropped", 502, "failed in 2 attempts" },
        { "catalog-truncated-json", 502, "not valid JSON" },
        { "catalog-link-dropped", 200, "has no next link, but the registry lists more repositories after it" },
        { "catalog-short-page", 200, "has no next link, but the registry lists more repositories after it" },
        { "catalog-link-repeats", 502, "a page already read" },
        { "catalog-link-malformed", 502, "malformed Link header" },
        { "catalog-link-other-origin", 502, "another origin than Registry__Url" },
        { "tags-500", 200, "\"Errors\":2" },
        { "tags-401", 200, "\"Errors\":2" },
        { "tags-name-unknown", 200, "\"Errors\":0" },
        { "tags-timeout", 200, "\"Errors\":2" },
        { "tag-head-500", 200, "\"Errors\":2" },
        { "untagged-head-500", 200, "\"Errors\":1" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task UpdateDelete_Fault_DeletesNothingThatExistsAndNextRunConverges(string fault, int status, string evidence)
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        // The 429 uses up the one retry of FastFailures, so a second retry keeps one slow attempt on a loaded
        // machine from failing the run.
        var settings = fault == "catalog-429" ? new Dictionary<string, string?>(FastFailures) { ["Registry:MaxRetries"] = "2" } : FastFailures;
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update-delete", settings);
        await SyncTestKit.SyncAsync(host);
        await scenario.ChangeAsync();

        proxy.Rule = RuleFor(fault);
        var faulty = await SyncTestKit.PostSyncAsync(host);
        var afterFault = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var registry = await ReadApi.TaggedRepositoriesAsync(scenario.Registry);

        Assert.True(status == (int)faulty.Status, $"{fault}: expected status {status}, got {(int)faulty.Status}: {faulty.Body}");
        Assert.Contains(evidence, faulty.Body, StringComparison.Ordinal);
        foreach (var (repository, tags) in registry)
        {
            Assert.True(afterFault.ContainsKey(repository), $"{fault}: repository {repository} was deleted but the registry holds it ({faulty.Body}).");
            foreach (var tag in tags.Keys)
            {
                Assert.True(afterFault[repository].ContainsKey(tag), $"{fault}: {repository}:{tag} was deleted but the registry holds it ({faulty.Body}).");
            }
        }

        proxy.Rule = null;
        var clean = await SyncTestKit.SyncAsync(host);

        var converged = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var manifests = await ReadApi.ManifestCountsAsync(host.Client);
        Assert.Equal("completed", clean.Outcome);
        Assert.Equal(ReadApi.Render(registry), ReadApi.Render(converged));
        Assert.Equal(["library/oci", "multi/app", "team/app/api"], manifests.Keys);
        Assert.Equal([3, 3, 1], manifests.Values);
    }

    [Fact]
    public async Task Catalog429_RetryAfter_WaitsAndSucceeds()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update", FastFailures);
        proxy.Rule = RuleFor("catalog-429");

        var reply = await SyncTestKit.SyncAsync(host);

        Assert.Equal("completed", reply.Outcome);
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 3003
            && entry.Message.Contains("429", StringComparison.Ordinal)
            && entry.Message.Contains("in 1000 ms", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TagsTimeout_RetryLogNamesRequestAndTimeout()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update", FastFailures);
        proxy.Rule = RuleFor("tags-timeout");

        await SyncTestKit.SyncAsync(host);

        var retry = host.Logs.Entries.FirstOrDefault(entry => entry.EventId.Id == 3003)?.Message ?? "";
        Assert.Contains($"GET {proxy.Url}v2/team/app/api/tags/list?n=2 ", retry, StringComparison.Ordinal);
        Assert.Contains("timed out after 1 s", retry, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catalog401_FailsWithAuthErrorNamingSettings()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update", FastFailures);
        proxy.Rule = RuleFor("catalog-401");

        var (status, _, body) = await SyncTestKit.PostSyncAsync(host);
        var run = (await SyncTestKit.StatusAsync(host)).Run!;

        Assert.Equal(System.Net.HttpStatusCode.BadGateway, status);
        Assert.Contains("Registry__Username and Registry__Password", body, StringComparison.Ordinal);
        Assert.Equal("failed", run.Status);
        Assert.Contains("401", run.Message, StringComparison.Ordinal);
        Assert.Empty(await ReadApi.TaggedRepositoriesAsync(host.Client));
    }

    private static Func<HttpRequest, ProxyFault?> RuleFor(string fault)
    {
        var count = 0;
        return request =>
        {
            var path = request.Path.Value!;
            var catalog = path == "/v2/_catalog";
            var firstPage = catalog && !request.QueryString.Value!.Contains("last=", StringComparison.Ordinal);
            var secondPage = catalog && request.QueryString.Value!.Contains("last=library%2Foci", StringComparison.Ordinal);
            var apiTags = path == "/v2/team/app/api/tags/list";
            var apiHead = request.Method == HttpMethods.Head && path.StartsWith("/v2/team/app/api/manifests/", StringComparison.Ordinal);
            return fault switch
            {
                "catalog-500" when secondPage => new ProxyFault(Status: 500),
                "catalog-401" when catalog => new ProxyFault(Status: 401, Body: _ => """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"""),
                "catalog-429" when catalog && Interlocked.Increment(ref count) == 1 => new ProxyFault(Status: 429, Headers: new Dictionary<string, string> { ["Retry-After"] = "1" }),
                "catalog-timeout" when secondPage => new ProxyFault(Delay: TimeSpan.FromSeconds(3)),
                "catalog-connection-dropped" when secondPage => new ProxyFault(AbortAfterBytes: 12),
                "catalog-truncated-json" when secondPage => new ProxyFault(Body: body => body[..(body.Length / 2)]),
                "catalog-link-dropped" when firstPage => new ProxyFault(Link: _ => null),
                "catalog-short-page" when firstPage => new ProxyFault(Body: _ => """{"repositories":["empty/repo"]}""", Link: _ => null),
                "catalog-link-repeats" when secondPage => new ProxyFault(Link: _ => "</v2/_catalog?n=2>; rel=\"next\""),
                "catalog-link-malformed" when firstPage => new ProxyFault(Link: _ => "/v2/_catalog?last=library%2Foci&n=2; rel=\"next\""),
                "catalog-link-other-origin" when firstPage => new ProxyFault(Link: _ => "<http://127.0.0.2:9/v2/_catalog?last=library%2Foci&n=2>; rel=\"next\""),
                "tags-500" when apiTags => new ProxyFault(Status: 500),
                "tags-401" when apiTags => new ProxyFault(Status: 401),
                "tags-name-unknown" when apiTags => new ProxyFault(Status: 404, Body: _ => """{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"""),
                "tags-timeout" when apiTags => new ProxyFault(Delay: TimeSpan.FromSeconds(3)),
                "tag-head-500" when apiHead && path.EndsWith("/v1", StringComparison.Ordinal) => new ProxyFault(Status: 500),
                "untagged-head-500" when apiHead && path.Contains("sha256:", StringComparison.Ordinal) => new ProxyFault(Status: 500),
                _ => null,
            };
        };
    }
}
