using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PortusFunctions.Registry;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>How a <see cref="HarborAdapterServer"/> answers report polls while a scan is not done.</summary>
public enum PendingStyle
{
    /// <summary>302 with <c>Refresh-After</c> in seconds, as the spec describes.</summary>
    RefreshAfter,

    /// <summary>302 with <c>Retry-After</c> in seconds.</summary>
    RetryAfter,

    /// <summary>302 with neither header and <c>Location</c> set to the same path, as the Trivy adapter answers.</summary>
    TrivyLike,
}

/// <summary>
/// A scanner adapter on 127.0.0.1 that follows Harbor's pluggable scanner API v1.1/v1.2: metadata, 202 on a scan
/// request, 302 while the report is not ready, then 200 with the report, 500 for a failed scan, 404 for an unknown
/// scan request id. Its behaviour is set by the test and it records what it received.
/// </summary>
internal sealed class HarborAdapterServer : IAsyncDisposable
{
    /// <summary>Report media type of spec v1.1 and v1.2.</summary>
    public const string ReportMediaType = "application/vnd.security.vulnerability.report; version=1.1";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ScanJobState> _jobs = new(StringComparer.Ordinal);
    private readonly HttpClient _registryClient = new();
    private int _lostRequests;

    private HarborAdapterServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Base URL of the adapter.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Style of the 302 answers.</summary>
    public PendingStyle Style { get; set; } = PendingStyle.RefreshAfter;

    /// <summary>Polls answered 302 before the report is ready.</summary>
    public int PendingPolls { get; set; } = 1;

    /// <summary>Seconds sent in <c>Refresh-After</c> or <c>Retry-After</c>.</summary>
    public int RetrySeconds { get; set; } = 1;

    /// <summary>Error message of a failed scan; scans fail with 500 while it is set.</summary>
    public string? FailWith { get; set; }

    /// <summary>Number of scan request ids to forget, answering 404 on their first poll.</summary>
    public int LoseRequests
    {
        get => _lostRequests;
        set => _lostRequests = value;
    }

    /// <summary>Value of the metadata property <c>harbor.scanner-adapter/vulnerability-database-updated-at</c>.</summary>
    public string DatabaseUpdatedAt { get; set; } = "2024-05-01T10:00:00Z";

    /// <summary>Findings of each scanned digest; the default derives two from the digest.</summary>
    public Func<string, IReadOnlyList<JsonObject>> Findings { get; set; } = DefaultFindings;

    /// <summary>Whether each scan first pulls the manifest from the registry, as a real adapter does, and fails when it cannot.</summary>
    public bool PullFromRegistry { get; set; }

    /// <summary>Scan requests received, in order.</summary>
    public ConcurrentQueue<ReceivedScan> Scans { get; } = new();

    /// <summary>Report polls received.</summary>
    public ConcurrentQueue<ReceivedPoll> Polls { get; } = new();

    /// <summary>Starts the adapter on a free port.</summary>
    public static async Task<HarborAdapterServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new HarborAdapterServer(app);
        server.Map();
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address + "/");
        return server;
    }

    /// <summary>Returns the shortest time between two consecutive polls of one scan request.</summary>
    public TimeSpan ShortestPollGap() =>
        Polls.GroupBy(poll => poll.Id)
            .SelectMany(group => group.Zip(group.Skip(1), (earlier, later) => later.ReceivedAt - earlier.ReceivedAt))
            .DefaultIfEmpty(TimeSpan.MaxValue)
            .Min();

    /// <summary>Returns the digests of the scan requests received, in order.</summary>
    public IReadOnlyList<string> ScannedDigests() => [.. Scans.Select(scan => scan.Digest)];

    /// <summary>Creates a finding in the report format.</summary>
    public static JsonObject Finding(string id, string package, string severity, double? score = null, string? fix = null) => new()
    {
        ["id"] = id,
        ["package"] = package,
        ["version"] = "1.0.0",
        ["fix_version"] = fix,
        ["severity"] = severity,
        ["description"] = $"{id} in {package}",
        ["links"] = new JsonArray($"https://security.example.test/{id}"),
        ["preferred_cvss"] = score is null ? null : new JsonObject { ["score_v3"] = score, ["vector_v3"] = "CVSS:3.1/AV:N" },
        ["cwe_ids"] = new JsonArray("CWE-79"),
    };

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _registryClient.Dispose();
    }

    private static IReadOnlyList<JsonObject> DefaultFindings(string digest) =>
    [
        Finding($"CVE-2024-{digest[7..11]}", "openssl", "High", 7.5, "3.0.14"),
        Finding($"CVE-2023-{digest[11..15]}", "zlib", "Low"),
    ];

    private void Map()
    {
        _app.MapGet("/api/v1/metadata", () => Results.Text(
            new JsonObject
            {
                ["scanner"] = new JsonObject { ["name"] = "Trivy", ["vendor"] = "Aqua Security", ["version"] = "0.50.1" },
                ["capabilities"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "vulnerability",
                        ["consumes_mime_types"] = new JsonArray(MediaTypes.OciManifest, MediaTypes.DockerManifest),
                        ["produces_mime_types"] = new JsonArray(ReportMediaType),
                    },
                    new JsonObject
                    {
                        ["type"] = "sbom",
                        ["consumes_mime_types"] = new JsonArray(MediaTypes.OciManifest, MediaTypes.DockerManifest),
                        ["produces_mime_types"] = new JsonArray("application/vnd.security.sbom.report+json; version=1.0"),
                    }),
                ["properties"] = new JsonObject
                {
                    ["harbor.scanner-adapter/scanner-type"] = "os-package-vulnerability",
                    ["harbor.scanner-adapter/vulnerability-database-updated-at"] = DatabaseUpdatedAt,
                },
            }.ToJsonString(),
            "application/vnd.scanner.adapter.metadata+json; version=1.1"));

        _app.MapPost("/api/v1/scan", (Func<HttpContext, Task<IResult>>)AcceptScanAsync);
        _app.MapGet("/api/v1/scan/{id}/report", (Func<string, HttpContext, IResult>)GetReport);
    }

    private async Task<IResult> AcceptScanAsync(HttpContext context)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            return Error(400, $"unmarshalling scan request: {exception.Message}");
        }

        var registryUrl = (string?)body?["registry"]?["url"];
        var repository = (string?)body?["artifact"]?["repository"];
        var digest = (string?)body?["artifact"]?["digest"];
        if (string.IsNullOrEmpty(registryUrl) || string.IsNullOrEmpty(repository) || string.IsNullOrEmpty(digest))
        {
            return Error(422, "missing registry.url, artifact.repository or artifact.digest");
        }

        var scan = new ReceivedScan(
            registryUrl,
            (string?)body?["registry"]?["authorization"],
            repository,
            digest,
            (string?)body?["artifact"]?["tag"],
            (string?)body?["artifact"]?["mime_type"],
            context.Request.ContentType,
            context.Request.Headers.Authorization.ToString());
        Scans.Enqueue(scan);

        var id = Guid.NewGuid().ToString();
        var job = new ScanJobState(scan);
        if (PullFromRegistry)
        {
            job.PullError = await PullAsync(scan).ConfigureAwait(false);
        }

        _jobs[id] = job;
        return Results.Text(new JsonObject { ["id"] = id }.ToJsonString(), "application/vnd.scanner.adapter.scan.response+json; version=1.0", statusCode: 202);
    }

    private IResult GetReport(string id, HttpContext context)
    {
        var accept = context.Request.Headers.Accept.ToString();
        Polls.Enqueue(new ReceivedPoll(id, accept, context.Request.Headers.Authorization.ToString(), DateTimeOffset.UtcNow));
        if (!accept.Contains("application/vnd.security.vulnerability.report", StringComparison.Ordinal)
            && !accept.Contains("application/vnd.scanner.adapter.vuln.report.harbor+json", StringComparison.Ordinal))
        {
            return Error(415, $"unsupported media type {accept}");
        }

        if (!_jobs.TryGetValue(id, out var job) || (Interlocked.Decrement(ref _lostRequests) >= 0 && _jobs.TryRemove(id, out _)))
        {
            return Error(404, $"cannot find scan job: {id}");
        }

        if (Interlocked.Increment(ref job.Polls) <= PendingPolls)
        {
            var response = context.Response;
            switch (Style)
            {
                case PendingStyle.RefreshAfter:
                    response.Headers["Refresh-After"] = RetrySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case PendingStyle.RetryAfter:
                    response.Headers.RetryAfter = RetrySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case PendingStyle.TrivyLike:
                    response.Headers.Location = context.Request.Path.ToString();
                    break;
            }

            return Results.StatusCode(302);
        }

        if (job.PullError is { } pullError)
        {
            return Error(500, pullError);
        }

        if (FailWith is { } failure)
        {
            return Error(500, failure);
        }

        var report = new JsonObject
        {
            ["generated_at"] = "2024-05-02T08:30:00.123456789Z",
            ["artifact"] = new JsonObject { ["repository"] = job.Scan.Repository, ["digest"] = job.Scan.Digest, ["mime_type"] = job.Scan.MimeType },
            ["scanner"] = new JsonObject { ["name"] = "Trivy", ["vendor"] = "Aqua Security", ["version"] = "0.50.1" },
            ["severity"] = "High",
            ["vulnerabilities"] = new JsonArray([.. Findings(job.Scan.Digest).Select(finding => finding.DeepClone())]),
        };
        return Results.Text(report.ToJsonString(), ReportMediaType);
    }

    /// <summary>Reads the manifest from the registry with the credential of the scan request; returns the error, or null.</summary>
    private async Task<string?> PullAsync(ReceivedScan scan)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{scan.RegistryUrl.TrimEnd('/')}/v2/{scan.Repository}/manifests/{scan.Digest}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.OciManifest));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.DockerManifest));
        if (scan.RegistryAuthorization is { Length: > 0 } authorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        try
        {
            using var response = await _registryClient.SendAsync(request).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"pulling {scan.Repository}@{scan.Digest}: {(int)response.StatusCode}";
        }
        catch (HttpRequestException exception)
        {
            return $"pulling {scan.Repository}@{scan.Digest}: {exception.Message}";
        }
    }

    private static IResult Error(int status, string message) => Results.Text(
        new JsonObject { ["error"] = new JsonObject { ["message"] = message } }.ToJsonString(),
        "application/vnd.scanner.adapter.error+json; version=1.0",
        statusCode: status);

    /// <summary>A scan request as the adapter received it.</summary>
    internal sealed record ReceivedScan(
        string RegistryUrl,
        string? RegistryAuthorization,
        string Repository,
        string Digest,
        string? Tag,
        string? MimeType,
        string? ContentType,
        string ScannerAuthorization);

    /// <summary>A report poll as the adapter received it, with the time it arrived.</summary>
    internal sealed record ReceivedPoll(string Id, string Accept, string ScannerAuthorization, DateTimeOffset ReceivedAt);

    private sealed class ScanJobState(ReceivedScan scan)
    {
        public int Polls;

        public ReceivedScan Scan { get; } = scan;

        public string? PullError { get; set; }
    }
}
