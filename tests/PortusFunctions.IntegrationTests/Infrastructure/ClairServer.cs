using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// A Clair v4 indexer and matcher on 127.0.0.1 that follows its HTTP API: the index state with an ETag, indexing
/// that fetches every layer from its URI with the given headers and checks its digest, 201 with the index report,
/// and 201 with the vulnerability report of an indexed manifest or 404 for one that is not. A manifest indexed in
/// the current state is not indexed again, as Clair does; a new state makes it index again.
/// </summary>
internal sealed class ClairServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string State, List<string> Layers)> _indexed = new(StringComparer.Ordinal);
    private readonly HttpClient _layers = new();

    private ClairServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Base URL of the server.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The index state; changing it asks clients to index again.</summary>
    public string State { get; set; } = "aae368a064d7c5a433d0bf2c4f5554cc";

    /// <summary>Manifests indexed, one entry per indexing that fetched layers.</summary>
    public ConcurrentQueue<string> Indexings { get; } = new();

    /// <summary>Layer fetches, with the <c>Authorization</c> header sent.</summary>
    public ConcurrentQueue<(string Uri, string? Authorization)> LayerFetches { get; } = new();

    /// <summary>Starts the server on a free port.</summary>
    public static async Task<ClairServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ClairServer(app);
        app.MapGet("/indexer/api/v1/index_state", (Func<HttpContext, IResult>)server.IndexState);
        app.MapPost("/indexer/api/v1/index_report", (Func<HttpContext, Task<IResult>>)server.IndexAsync);
        app.MapGet("/matcher/api/v1/vulnerability_report/{digest}", (Func<string, IResult>)server.VulnerabilityReport);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address + "/");
        return server;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _layers.Dispose();
    }

    private IResult IndexState(HttpContext context)
    {
        context.Response.Headers.ETag = $"\"{State}\"";
        return Results.Text(new JsonObject { ["state"] = State }.ToJsonString(), "application/vnd.clair.index_state.v1+json");
    }

    private async Task<IResult> IndexAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/vnd.clair.manifest.v1+json", StringComparison.Ordinal)
            && !contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            return Error(415, $"unsupported media type {contentType}");
        }

        JsonNode? manifest;
        try
        {
            manifest = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            return Error(400, exception.Message);
        }

        var hash = (string?)manifest?["hash"];
        if (hash is null || !hash.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return Error(400, "manifest hash missing or malformed");
        }

        var state = State;
        if (_indexed.TryGetValue(hash, out var known) && known.State == state)
        {
            return Report(hash, state, null);
        }

        Indexings.Enqueue(hash);
        var layerDigests = new List<string>();
        foreach (var layer in manifest!["layers"]?.AsArray() ?? [])
        {
            var layerHash = (string)layer!["hash"]!;
            var uri = (string)layer["uri"]!;
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            string? authorization = null;
            foreach (var (name, values) in layer["headers"]?.AsObject() ?? [])
            {
                foreach (var value in values!.AsArray())
                {
                    request.Headers.TryAddWithoutValidation(name, (string)value!);
                    authorization = name == "Authorization" ? (string)value! : authorization;
                }
            }

            LayerFetches.Enqueue((uri, authorization));
            using var response = await _layers.SendAsync(request).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!response.IsSuccessStatusCode || actual != layerHash)
            {
                return Report(hash, "IndexError", $"fetching layer {layerHash}: {(int)response.StatusCode}, digest {actual}");
            }

            layerDigests.Add(layerHash);
        }

        _indexed[hash] = (state, layerDigests);
        return Report(hash, "IndexFinished", null);
    }

    private IResult VulnerabilityReport(string digest)
    {
        if (!_indexed.TryGetValue(digest, out var indexed))
        {
            return Error(404, $"index report for {digest} not found");
        }

        var packages = new JsonObject();
        var vulnerabilities = new JsonObject();
        var byPackage = new JsonObject();
        for (var i = 0; i < indexed.Layers.Count; i++)
        {
            var packageId = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var vulnerabilityId = (100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            packages[packageId] = new JsonObject { ["id"] = packageId, ["name"] = $"layer-package-{i}", ["version"] = "1.2.3", ["kind"] = "binary" };
            vulnerabilities[vulnerabilityId] = new JsonObject
            {
                ["id"] = vulnerabilityId,
                ["updater"] = "debian",
                ["name"] = $"CVE-2024-{indexed.Layers[i][7..11]}",
                ["description"] = "A flaw in a layer.",
                ["links"] = "https://security-tracker.debian.test/a https://nvd.test/b",
                ["severity"] = "important",
                ["normalized_severity"] = "High",
                ["fixed_in_version"] = "1.2.4",
                ["package"] = new JsonObject { ["id"] = "0", ["name"] = $"layer-package-{i}", ["version"] = "" },
            };
            byPackage[packageId] = new JsonArray(vulnerabilityId);
        }

        var report = new JsonObject
        {
            ["manifest_hash"] = digest,
            ["packages"] = packages,
            ["distributions"] = new JsonObject(),
            ["environments"] = new JsonObject(),
            ["vulnerabilities"] = vulnerabilities,
            ["package_vulnerabilities"] = byPackage,
        };
        return Results.Text(report.ToJsonString(), "application/vnd.clair.vulnerability_report.v1+json", statusCode: 201);
    }

    private static IResult Report(string hash, string state, string? error) => Results.Text(
        new JsonObject
        {
            ["manifest_hash"] = hash,
            ["state"] = state,
            ["success"] = error is null,
            ["err"] = error ?? "",
            ["packages"] = new JsonObject(),
            ["distributions"] = new JsonObject(),
            ["environments"] = new JsonObject(),
        }.ToJsonString(),
        "application/vnd.clair.index_report.v1+json",
        statusCode: 201);

    private static IResult Error(int status, string message) => Results.Text(
        new JsonObject { ["code"] = status == 404 ? "not-found" : "bad-request", ["message"] = message }.ToJsonString(),
        "application/vnd.clair.error.v1+json",
        statusCode: status);
}
