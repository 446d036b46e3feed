using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Registry;

namespace PortusFunctions.Scanning.Clair;

/// <summary>
/// Clair v4: reads the manifest's layers from the registry, indexes it with
/// <c>POST /indexer/api/v1/index_report</c>, then reads <c>GET /matcher/api/v1/vulnerability_report/{digest}</c>.
/// </summary>
/// <remarks>
/// The index state (<c>GET /indexer/api/v1/index_state</c>) is the database version: when it changes, every report
/// is made again, and Clair re-indexes each manifest that it is asked to index again. Clair's matcher updates its
/// vulnerability data without any signal, which <see cref="ScanOptions.MaxReportAge"/> covers. Clair's report has
/// no CVSS score, so <see cref="Finding.CvssScore"/> stays empty.
/// </remarks>
public sealed partial class ClairScannerClient : IScannerClient
{
    private const string ManifestMediaType = "application/vnd.clair.manifest.v1+json";

    private readonly IHttpClientFactory _http;
    private readonly IOptions<ScanOptions> _options;
    private readonly IOptions<RegistryOptions> _registry;
    private readonly IRegistryPullAuthorization _pullAuthorization;
    private readonly TimeProvider _clock;
    private readonly ILogger<ClairScannerClient> _logger;

    /// <summary>Creates the client.</summary>
    public ClairScannerClient(
        IHttpClientFactory http,
        IOptions<ScanOptions> options,
        IOptions<RegistryOptions> registry,
        IRegistryPullAuthorization pullAuthorization,
        TimeProvider clock,
        ILogger<ClairScannerClient> logger)
    {
        _http = http;
        _options = options;
        _registry = registry;
        _pullAuthorization = pullAuthorization;
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc/>
    public string Kind => ScannerKinds.Clair;

    private Uri BaseUri => ScannerHttp.BaseUri(_options.Value.Url!);

    /// <inheritdoc/>
    public async Task<ScannerInfo> GetInfoAsync(CancellationToken cancellationToken)
    {
        var client = _http.CreateClient(ScannerHttp.ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, "indexer/api/v1/index_state"));
        ScannerHttp.Authorize(request, _options.Value.Authorization);
        try
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ScannerUnavailableException(
                    $"GET {request.RequestUri} answered {await ScannerHttp.DescribeAsync(response, cancellationToken).ConfigureAwait(false)}.");
            }

            var state = await response.Content.ReadFromJsonAsync(ClairJson.Default.ClairIndexState, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(state?.State))
            {
                throw new ScannerUnavailableException($"GET {request.RequestUri} returned no index state.");
            }

            return new ScannerInfo("Clair", "Red Hat", null, state.State, null);
        }
        catch (Exception exception) when (IsUnreachable(exception, cancellationToken))
        {
            throw new ScannerUnavailableException($"Clair at {BaseUri} cannot be reached: {exception.Message}", exception);
        }
        catch (JsonException exception)
        {
            throw new ScannerUnavailableException($"Clair at {BaseUri} returned an index state that is not valid JSON: {exception.Message}", exception);
        }
    }

    /// <inheritdoc/>
    public async Task<ScanResult> ScanAsync(ScanTarget target, ScannerInfo scanner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(scanner);

        try
        {
            var authorization = await _pullAuthorization.GetAsync(target.Repository, cancellationToken).ConfigureAwait(false);
            var layers = await ReadLayersAsync(target, authorization, cancellationToken).ConfigureAwait(false);
            if (layers.Result is { } unreadable)
            {
                return unreadable;
            }

            var indexed = await IndexAsync(target, layers.Layers!, authorization, cancellationToken).ConfigureAwait(false);
            if (indexed is not null)
            {
                return indexed;
            }

            return await ReadReportAsync(target, scanner, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsUnreachable(exception, cancellationToken))
        {
            return ScanResult.Failed($"Clair or the registry cannot be reached: {exception.Message}");
        }
        catch (JsonException exception)
        {
            return ScanResult.Failed($"Clair or the registry returned a body that is not valid JSON: {exception.Message}");
        }
    }

    private async Task<(List<ImageLayer>? Layers, ScanResult? Result)> ReadLayersAsync(
        ScanTarget target,
        string? authorization,
        CancellationToken cancellationToken)
    {
        var client = _http.CreateClient(ScannerHttp.ClientName);
        var registry = ScannerHttp.BaseUri(_registry.Value.Url!);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry, $"v2/{target.Repository}/manifests/{target.Digest}"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.OciManifest));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.DockerManifest));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (null, ScanResult.Failed(
                $"The registry answered GET {request.RequestUri} with {await ScannerHttp.DescribeAsync(response, cancellationToken).ConfigureAwait(false)}."));
        }

        var manifest = await response.Content.ReadFromJsonAsync(ClairJson.Default.ImageManifest, cancellationToken).ConfigureAwait(false);
        if (MediaTypes.IsIndex(manifest?.MediaType))
        {
            return (null, ScanResult.Unsupported($"{target.Digest} is an index; its platform manifests are scanned instead."));
        }

        var layers = (manifest?.Layers ?? []).Where(layer => ReferenceRules.IsValidDigest(layer.Digest)).ToList();
        return (layers, null);
    }

    /// <summary>Indexes the manifest and returns null on success, or the failed result.</summary>
    private async Task<ScanResult?> IndexAsync(
        ScanTarget target,
        List<ImageLayer> layers,
        string? authorization,
        CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var registryUrl = ScannerHttp.BaseUri(string.IsNullOrEmpty(options.RegistryUrl) ? _registry.Value.Url! : options.RegistryUrl);
        var headers = authorization is null ? null : new Dictionary<string, List<string>> { ["Authorization"] = [authorization] };
        var body = new ClairManifest(
            target.Digest,
            [.. layers.Select(layer => new ClairLayer(
                layer.Digest!,
                new Uri(registryUrl, $"v2/{target.Repository}/blobs/{layer.Digest}").ToString(),
                headers))]);

        var client = _http.CreateClient(ScannerHttp.ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUri, "indexer/api/v1/index_report"));
        request.Content = JsonContent.Create(body, ClairJson.Default.ClairManifest, ScannerHttp.MediaType(ManifestMediaType));
        ScannerHttp.Authorize(request, options.Authorization);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            return ScanResult.Failed($"POST {request.RequestUri} answered {await ScannerHttp.DescribeAsync(response, cancellationToken).ConfigureAwait(false)}.");
        }

        var report = await response.Content.ReadFromJsonAsync(ClairJson.Default.ClairIndexReport, cancellationToken).ConfigureAwait(false);
        if (report?.Success != true)
        {
            return ScanResult.Failed($"Clair could not index {target.Digest}: state {report?.State ?? "missing"}, error '{report?.Err}'.");
        }

        LogIndexed(target.Digest, layers.Count, report.State ?? "");
        return null;
    }

    private async Task<ScanResult> ReadReportAsync(ScanTarget target, ScannerInfo scanner, CancellationToken cancellationToken)
    {
        var client = _http.CreateClient(ScannerHttp.ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, $"matcher/api/v1/vulnerability_report/{target.Digest}"));
        ScannerHttp.Authorize(request, _options.Value.Authorization);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            // 404 means that the manifest is not indexed, which a new attempt does again.
            return ScanResult.Failed($"GET {request.RequestUri} answered {await ScannerHttp.DescribeAsync(response, cancellationToken).ConfigureAwait(false)}.");
        }

        var report = await response.Content.ReadFromJsonAsync(ClairJson.Default.ClairVulnerabilityReport, cancellationToken).ConfigureAwait(false);
        return ScanResult.Completed(new ScanReport(scanner, _clock.GetUtcNow(), ToFindings(report)));
    }

    private static List<Finding> ToFindings(ClairVulnerabilityReport? report)
    {
        var findings = new List<Finding>();
        if (report?.PackageVulnerabilities is null)
        {
            return findings;
        }

        var packages = report.Packages ?? [];
        var vulnerabilities = report.Vulnerabilities ?? [];
        foreach (var (packageId, vulnerabilityIds) in report.PackageVulnerabilities)
        {
            packages.TryGetValue(packageId, out var package);
            foreach (var vulnerabilityId in vulnerabilityIds.Distinct(StringComparer.Ordinal))
            {
                if (!vulnerabilities.TryGetValue(vulnerabilityId, out var vulnerability))
                {
                    continue;
                }

                var affected = package ?? vulnerability.Package;
                findings.Add(new Finding(
                    vulnerability.Name ?? vulnerability.Id ?? vulnerabilityId,
                    affected?.Name ?? "",
                    affected?.Version ?? "",
                    string.IsNullOrEmpty(vulnerability.FixedInVersion) ? null : vulnerability.FixedInVersion,
                    Severities.Normalize(vulnerability.NormalizedSeverity ?? vulnerability.Severity),
                    null,
                    (vulnerability.Links ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
            }
        }

        return findings;
    }

    private static bool IsUnreachable(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Clair indexed {Digest} with {Layers} layers; index state {State}")]
    private partial void LogIndexed(string digest, int layers, string state);
}
