using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Events;
using PortusFunctions.Registry;

namespace PortusFunctions.Scanning.Harbor;

/// <summary>
/// A scanner behind Harbor's pluggable scanner API v1.1 or v1.2, such as the Trivy adapter: submit with
/// <c>POST /api/v1/scan</c>, then poll <c>GET /api/v1/scan/{id}/report</c> while it responds with 302.
/// </summary>
/// <remarks>
/// The wait between polls is the adapter's <c>Refresh-After</c> (seconds), else its <c>Retry-After</c>, else
/// <see cref="ScanOptions.PollInterval"/>, at most <see cref="ScanOptions.MaxPollInterval"/>. A <c>Location</c> on
/// the scanner's own host and port is polled next; the Trivy adapter points it at the same URL. A <c>Location</c>
/// elsewhere is ignored, so the scanner credential goes nowhere else. 404 on a poll means that the adapter lost the
/// request, which is submitted again up to twice; 500 means that the scan failed.
/// </remarks>
public sealed partial class HarborScannerClient : IScannerClient
{
    /// <summary>Metadata property with the update time of the adapter's vulnerability database.</summary>
    public const string DatabaseUpdatedAtProperty = "harbor.scanner-adapter/vulnerability-database-updated-at";

    /// <summary>Report media type of spec v1.1 and v1.2, preferred when the adapter produces it.</summary>
    public const string VulnerabilityReportMediaType = "application/vnd.security.vulnerability.report; version=1.1";

    /// <summary>Harbor's own report media type of spec v1.0, which older adapters produce.</summary>
    public const string HarborReportMediaType = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0";

    private const string MetadataMediaType = "application/vnd.scanner.adapter.metadata+json; version=1.1";
    private const string MetadataMediaTypeV10 = "application/vnd.scanner.adapter.metadata+json; version=1.0";
    private const string ScanRequestMediaType = "application/vnd.scanner.adapter.scan.request+json; version=1.0";
    private const string ScanResponseMediaType = "application/vnd.scanner.adapter.scan.response+json; version=1.0";
    private const int MaxResubmits = 2;
    private static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly IHttpClientFactory _http;
    private readonly IOptions<ScanOptions> _options;
    private readonly IOptions<RegistryOptions> _registry;
    private readonly IRegistryPullAuthorization _pullAuthorization;
    private readonly TimeProvider _clock;
    private readonly ILogger<HarborScannerClient> _logger;

    /// <summary>Creates the client.</summary>
    public HarborScannerClient(
        IHttpClientFactory http,
        IOptions<ScanOptions> options,
        IOptions<RegistryOptions> registry,
        IRegistryPullAuthorization pullAuthorization,
        TimeProvider clock,
        ILogger<HarborScannerClient> logger)
    {
        _http = http;
        _options = options;
        _registry = registry;
        _pullAuthorization = pullAuthorization;
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc/>
    public string Kind => ScannerKinds.Harbor;

    private Uri BaseUri => ScannerHttp.BaseUri(_options.Value.Url!);

    /// <inheritdoc/>
    public async Task<ScannerInfo> GetInfoAsync(CancellationToken cancellationToken)
    {
        var client = _http.CreateClient(ScannerHttp.ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, "api/v1/metadata"));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(MetadataMediaType));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(MetadataMediaTypeV10));
        ScannerHttp.Authorize(request, _options.Value.Authorization);

        HarborMetadata? metadata;
        try
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ScannerUnavailableException(
                    $"GET {request.RequestUri} answered {await ScannerHttp.DescribeAsync(response, cancellationToken).ConfigureAwait(false)}.");
            }

            metadata = await response.Content.ReadFromJsonAsync(HarborJson.Default.HarborMetadata, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsUnreachable(exception, cancellationToken))
        {
            throw new ScannerUnavailableException($"The scanner at {BaseUri} cannot be reached: {exception.Message}", exception);
        }
        catch (JsonException exception)
        {
            throw new ScannerUnavailableException($"The metadata of the scanner at {BaseUri} is not valid JSON: {exception.Message}", exception);
        }

        return ToInfo(metadata ?? throw new ScannerUnavailableException($"The scanner at {BaseUri} returned empty metadata."));
    }

    /// <inheritdoc/>
    public async Task<ScanResult> ScanAsync(ScanTarget target, ScannerInfo scanner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(scanner);

        try
        {
            return await SubmitAndPollAsync(target, scanner, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsUnreachable(exception, cancellationToken))
        {
            return ScanResult.Failed($"The scanner at {BaseUri} cannot be reached: {exception.Message}");
        }
        catch (JsonException exception)
        {
            return ScanResult.Failed($"The scanner at {BaseUri} returned a body that is not valid JSON: {exception.Message}");
        }
    }

    private async Task<ScanResult> SubmitAndPollAsync(ScanTarget target, ScannerInfo scanner, CancellationToken cancellationToken)
    {
        var client = _http.CreateClient(ScannerHttp.ClientName);
        var submitted = await SubmitAsync(client, target, cancellationToken).ConfigureAwait(false);
        if (submitted.Result is { } rejected)
        {
            return rejected;
        }

        var reportUri = ReportUri(submitted.Id!);
        var next = reportUri;
        var resubmits = 0;
        var polls = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(scanner.ReportMediaType ?? VulnerabilityReportMediaType));
            ScannerHttp.Authorize(request, _options.Value.Authorization);
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            polls++;
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    var report = await response.Content.ReadFromJsonAsync(HarborJson.Default.HarborReport, cancellationToken).ConfigureAwait(false);
                    LogReportReceived(target.Digest, submitted.Id!, polls);
                    return ScanResult.Completed(ToReport(report, scanner));

                case HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect:
                    next = NextPollUri(response, next) ?? reportUri;
                    await Task.Delay(PollDelay(response), _clock, cancellationToken).ConfigureAwait(false);
                    break;

                case HttpStatusCode.NotFound when resubmits < MaxResubmits:
                    resubmits++;
                    LogResubmitted(target.Digest, submitted.Id!, resubmits);
                    submitted = await SubmitAsync(client, target, cancellationToken).ConfigureAwait(false);
                    if (submitted.Result is { } again)
                    {
                        return again;
                    }

                    reportUri = ReportUri(submitted.Id!);
                    next = reportUri;
                    break;

                case HttpStatusCode.NotFound:
                    return ScanResult.Failed($"The scanner lost scan request {submitted.Id} {resubmits + 1} times (404 on GET {next}).");

                case HttpStatusCode.NotImplemented:
                    return ScanResult.Unsupported($"The scanner cannot produce a {scanner.ReportMediaType} report for this artifact: {await ErrorMessageAsync(response, cancellationToken).ConfigureAwait(false)}");

                case HttpStatusCode.InternalServerError:
                    return ScanResult.Failed($"The scan failed: {await ErrorMessageAsync(response, cancellationToken).ConfigureAwait(false)}");

                default:
                    return ScanResult.Failed($"GET {next} answered {await ScannerHttp.DescribeAsync(response, cancellationToken).ConfigureAwait(false)}.");
            }
        }
    }

    private async Task<(string? Id, ScanResult? Result)> SubmitAsync(HttpClient client, ScanTarget target, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var registryUrl = (string.IsNullOrEmpty(options.RegistryUrl) ? _registry.Value.Url : options.RegistryUrl)!.TrimEnd('/');
        var authorization = await _pullAuthorization.GetAsync(target.Repository, cancellationToken).ConfigureAwait(false);
        var body = new HarborScanRequest(
            new HarborRegistry(registryUrl, authorization),
            new HarborArtifact(target.Repository, target.Digest, target.Tag, target.MediaType));

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUri, "api/v1/scan"));
        request.Content = JsonContent.Create(body, HarborJson.Default.HarborScanRequest, ScannerHttp.MediaType(ScanRequestMediaType));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(ScanResponseMediaType));
        ScannerHttp.Authorize(request, options.Authorization);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.Created:
                var accepted = await response.Content.ReadFromJsonAsync(HarborJson.Default.HarborScanResponse, cancellationToken).ConfigureAwait(false);
                if (string.IsNullOrEmpty(accepted?.Id))
                {
                    return (null, ScanResult.Failed($"POST {request.RequestUri} answered {(int)response.StatusCode} without a scan request id."));
                }

                LogSubmitted(target.Digest, target.Repository, accepted.Id);
                return (accepted.Id, null);

            case HttpStatusCode.NotImplemented:
                return (null, ScanResult.Unsupported($"The scanner cannot scan a {target.MediaType}: {await ErrorMessageAsync(response, cancellationToken).ConfigureAwait(false)}"));

            default:
                return (null, ScanResult.Failed($"POST {request.RequestUri} answered {await ScannerHttp.DescribeAsync(response, cancellationToken).ConfigureAwait(false)}."));
        }
    }

    private Uri ReportUri(string id) => new(BaseUri, $"api/v1/scan/{Uri.EscapeDataString(id)}/report");

    /// <summary>Returns the <c>Location</c> to poll next when it is on the scanner's host and port.</summary>
    private Uri? NextPollUri(HttpResponseMessage response, Uri current)
    {
        if (response.Headers.Location is not { } location)
        {
            return null;
        }

        var absolute = location.IsAbsoluteUri ? location : new Uri(current, location);
        return Uri.Compare(absolute, BaseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
            ? absolute
            : null;
    }

    private TimeSpan PollDelay(HttpResponseMessage response)
    {
        var options = _options.Value;
        TimeSpan? delay = null;
        if (response.Headers.TryGetValues("Refresh-After", out var values)
            && double.TryParse(values.First(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && seconds >= 0)
        {
            delay = TimeSpan.FromSeconds(Math.Min(seconds, options.MaxPollInterval.TotalSeconds));
        }
        else if (response.Headers.RetryAfter is { } retryAfter)
        {
            delay = retryAfter.Delta ?? (retryAfter.Date - _clock.GetUtcNow());
        }

        var chosen = delay ?? options.PollInterval;
        if (chosen < MinPollInterval)
        {
            return MinPollInterval;
        }

        return chosen > options.MaxPollInterval ? options.MaxPollInterval : chosen;
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var error = JsonSerializer.Deserialize(body, HarborJson.Default.HarborErrorResponse);
            if (!string.IsNullOrEmpty(error?.Error?.Message))
            {
                return error.Error.Message;
            }
        }
        catch (JsonException)
        {
            // Not the error body of the spec: the raw body is shown instead.
        }

        if (body.Length == 0)
        {
            return $"{(int)response.StatusCode} without a body";
        }

        return body.Length > 500 ? body[..500] + "..." : body;
    }

    private ScannerInfo ToInfo(HarborMetadata metadata)
    {
        var produced = (metadata.Capabilities ?? [])
            .Where(capability => capability.Type is null || string.Equals(capability.Type, "vulnerability", StringComparison.OrdinalIgnoreCase))
            .SelectMany(capability => capability.ProducesMimeTypes ?? [])
            .ToList();
        var reportMediaType =
            produced.Any(type => SameMediaType(type, VulnerabilityReportMediaType)) ? VulnerabilityReportMediaType
            : produced.Any(type => SameMediaType(type, HarborReportMediaType)) ? HarborReportMediaType
            : throw new ScannerUnavailableException(
                $"The scanner at {BaseUri} produces neither '{VulnerabilityReportMediaType}' nor '{HarborReportMediaType}' reports (it lists {string.Join(", ", produced)}).");

        string? databaseVersion = null;
        DateTimeOffset? databaseUpdatedAt = null;
        if (metadata.Properties?.TryGetValue(DatabaseUpdatedAtProperty, out var updatedAt) == true && !string.IsNullOrWhiteSpace(updatedAt))
        {
            databaseVersion = updatedAt.Trim();
            databaseUpdatedAt = EventClassifier.TryParseTimestamp(databaseVersion, out var time) ? time : null;
        }

        return new ScannerInfo(
            string.IsNullOrEmpty(metadata.Scanner?.Name) ? "unnamed Harbor adapter" : metadata.Scanner.Name,
            metadata.Scanner?.Vendor,
            metadata.Scanner?.Version,
            databaseVersion,
            databaseUpdatedAt,
            reportMediaType);
    }

    private ScanReport ToReport(HarborReport? report, ScannerInfo scanner)
    {
        var generatedAt = report?.GeneratedAt is { } text && EventClassifier.TryParseTimestamp(text, out var time) ? time : _clock.GetUtcNow();
        var findings = (report?.Vulnerabilities ?? [])
            .Select(vulnerability => new Finding(
                vulnerability.Id ?? "",
                vulnerability.Package ?? "",
                vulnerability.Version ?? "",
                string.IsNullOrEmpty(vulnerability.FixVersion) ? null : vulnerability.FixVersion,
                Severities.Normalize(vulnerability.Severity),
                vulnerability.PreferredCvss?.ScoreV3 ?? vulnerability.PreferredCvss?.ScoreV2,
                vulnerability.Links ?? []))
            .ToList();

        // The metadata names the scanner that decides about rescans; the report may name it too.
        return new ScanReport(scanner, generatedAt, findings);
    }

    private static bool SameMediaType(string left, string right) =>
        MediaTypeHeaderValue.TryParse(left, out var a)
        && MediaTypeHeaderValue.TryParse(right, out var b)
        && string.Equals(a.MediaType, b.MediaType, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Version(a), Version(b), StringComparison.OrdinalIgnoreCase);

    private static string? Version(MediaTypeHeaderValue mediaType) =>
        mediaType.Parameters.FirstOrDefault(parameter => string.Equals(parameter.Name, "version", StringComparison.OrdinalIgnoreCase))?.Value;

    private static bool IsUnreachable(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Submitted {Digest} of {Repository} to the Harbor adapter as scan request {ScanRequestId}")]
    private partial void LogSubmitted(string digest, string repository, string scanRequestId);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Report of {Digest} (scan request {ScanRequestId}) received after {Polls} polls")]
    private partial void LogReportReceived(string digest, string scanRequestId, int polls);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "The Harbor adapter does not know scan request {ScanRequestId} for {Digest}; submitted again ({Resubmits} of 2)")]
    private partial void LogResubmitted(string digest, string scanRequestId, int resubmits);
}
