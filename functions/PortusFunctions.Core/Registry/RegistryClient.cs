using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace PortusFunctions.Registry;

/// <summary>
/// Reads the registry's HTTP API v2: catalog pages, tag lists, manifest digests and manifest bodies. A typed
/// <see cref="HttpClient"/> whose handlers add credentials (<see cref="RegistryAuthHandler"/>), retry timeouts, 5xx
/// and 429 responses, and bound each attempt by <see cref="RegistryOptions.RequestTimeout"/>.
/// </summary>
public sealed class RegistryClient
{
    private const string JsonMediaType = "application/json";

    private readonly HttpClient _http;
    private readonly RegistryOptions _options;
    private readonly TimeProvider _clock;

    /// <summary>Creates the client; the HTTP client's base address is <see cref="RegistryOptions.Url"/>.</summary>
    public RegistryClient(HttpClient http, IOptions<RegistryOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);

        _http = http;
        _options = options.Value;
        _clock = clock;
    }

    /// <summary>Base address of the registry API.</summary>
    /// <exception cref="InvalidOperationException"><c>Registry__Url</c> is empty.</exception>
    public Uri BaseAddress => _http.BaseAddress
        ?? throw new InvalidOperationException("Registry__Url is empty: set it to the registry's base URL to read its catalog.");

    /// <summary>Whether an exception is a failed or timed-out request, as opposed to a cancellation by the caller.</summary>
    public static bool IsRequestFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException or TimeoutRejectedException or IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>Returns the URL of the catalog page that starts after <paramref name="after"/>, or of the first page.</summary>
    public Uri CatalogUri(string? after)
    {
        var query = string.Create(CultureInfo.InvariantCulture, $"v2/_catalog?n={_options.PageSize}");
        return new Uri(BaseAddress, after is null ? query : query + "&last=" + Uri.EscapeDataString(after));
    }

    /// <summary>
    /// Reads the catalog page by page from the repository after <paramref name="after"/>, following each
    /// <c>Link: &lt;...&gt;; rel="next"</c> as given.
    /// </summary>
    /// <remarks>
    /// A page without a next link is checked with one more request for the names after its last one, because a
    /// missing link looks exactly like the end of the catalog. When that request lists more, the page is marked with
    /// an anomaly and reading continues from there.
    /// </remarks>
    /// <exception cref="RegistryProtocolException">A link is malformed, points to another origin, or repeats a page.</exception>
    /// <exception cref="RegistryAuthException">The registry rejected the credentials.</exception>
    /// <exception cref="RegistryException">A request failed after its retries.</exception>
    public async IAsyncEnumerable<CatalogPage> ReadCatalogAsync(string? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var uri = CatalogUri(after);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            if (!visited.Add(uri.AbsoluteUri))
            {
                throw new RegistryProtocolException(
                    $"The catalog's Link header points back to {uri.PathAndQuery}, a page already read; the catalog cannot be read to its end.");
            }

            var page = await GetListAsync(uri, "repositories", cancellationToken).ConfigureAwait(false);
            if (page.Next is not null)
            {
                yield return new CatalogPage(page.Items, page.ReadAt, IsLast: false, Anomaly: null);
                uri = page.Next;
                continue;
            }

            if (page.Items.Count == 0)
            {
                yield return new CatalogPage(page.Items, page.ReadAt, IsLast: true, Anomaly: null);
                yield break;
            }

            var last = page.Items[^1];
            var check = await GetListAsync(CatalogUri(last), "repositories", cancellationToken).ConfigureAwait(false);
            if (check.Items.Any(name => CatalogOrder.Compare(name, last) > 0))
            {
                yield return new CatalogPage(
                    page.Items,
                    page.ReadAt,
                    IsLast: false,
                    Anomaly: $"the catalog page that ends at '{last}' has no next link, but the registry lists more repositories after it");
                uri = CatalogUri(last);
                continue;
            }

            var anomaly = check.Items.Count > 0
                ? $"the registry ignored last={last} when asked for the repositories after its last page, so the end of the catalog cannot be confirmed"
                : null;
            yield return new CatalogPage(page.Items, page.ReadAt, IsLast: true, anomaly);
            yield break;
        }
    }

    /// <summary>Reads every tag of <paramref name="repository"/>, following <c>Link</c> pages.</summary>
    /// <exception cref="RegistryProtocolException">The response is not a tag list, or a link is malformed or repeats.</exception>
    /// <exception cref="RegistryAuthException">The registry rejected the credentials.</exception>
    /// <exception cref="RegistryException">A request failed after its retries.</exception>
    public async Task<TagListing> ListTagsAsync(string repository, CancellationToken cancellationToken)
    {
        var uri = new Uri(BaseAddress, string.Create(CultureInfo.InvariantCulture, $"v2/{repository}/tags/list?n={_options.PageSize}"));
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var tags = new List<string>();
        DateTimeOffset? readAt = null;
        while (true)
        {
            if (!visited.Add(uri.AbsoluteUri))
            {
                throw new RegistryProtocolException(
                    $"The tag list of '{repository}' has a Link header that points back to {uri.PathAndQuery}, a page already read.");
            }

            try
            {
                var page = await GetListAsync(uri, "tags", cancellationToken).ConfigureAwait(false);
                readAt ??= page.ReadAt;
                tags.AddRange(page.Items);
                if (page.Next is null)
                {
                    return new TagListing(repository, Found: true, tags, readAt.Value);
                }

                uri = page.Next;
            }
            catch (RegistryException exception) when (readAt is null && exception is { StatusCode: HttpStatusCode.NotFound, ErrorCode: "NAME_UNKNOWN" })
            {
                return new TagListing(repository, Found: false, [], _clock.GetUtcNow());
            }
        }
    }

    /// <summary>Returns the digest and media type of a manifest by tag or digest, or null when the registry has none (404).</summary>
    /// <exception cref="RegistryAuthException">The registry rejected the credentials.</exception>
    /// <exception cref="RegistryException">The request failed after its retries.</exception>
    public async Task<ManifestHead?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        var uri = ManifestUri(repository, reference);
        using var response = await SendAsync(HttpMethod.Head, uri, MediaTypes.Manifests, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, HttpMethod.Head, uri, cancellationToken).ConfigureAwait(false);
        }

        var mediaType = ManifestParser.MediaTypeOf(response.Content.Headers.ContentType?.ToString());
        var digest = HeaderValue(response, "Docker-Content-Digest");
        if (!ReferenceRules.IsValidDigest(digest))
        {
            // Some registries leave the digest out of HEAD responses, so the body gives it.
            var content = await GetManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false);
            if (content is null)
            {
                return null;
            }

            digest = content.Digest;
            mediaType ??= ManifestParser.MediaTypeOf(content.ContentType);
        }

        return new ManifestHead(digest!, MediaTypes.IsManifest(mediaType) ? mediaType : null, ReadAt(response));
    }

    /// <summary>Returns a manifest body by tag or digest, or null when the registry has none (404).</summary>
    /// <exception cref="RegistryProtocolException">The body is too large or does not match its digest.</exception>
    /// <exception cref="RegistryAuthException">The registry rejected the credentials.</exception>
    /// <exception cref="RegistryException">The request failed after its retries.</exception>
    public async Task<ManifestContent?> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        var uri = ManifestUri(repository, reference);
        using var response = await SendAsync(HttpMethod.Get, uri, MediaTypes.Manifests, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, HttpMethod.Get, uri, cancellationToken).ConfigureAwait(false);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > ManifestParser.MaxManifestBytes)
        {
            throw new RegistryProtocolException(
                $"The manifest {repository}:{reference} is {body.Length} bytes long; at most {ManifestParser.MaxManifestBytes} are read.");
        }

        var computed = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var digest = HeaderValue(response, "Docker-Content-Digest");
        if (digest is null || !ReferenceRules.IsValidDigest(digest))
        {
            digest = computed;
        }
        else if (digest.StartsWith("sha256:", StringComparison.Ordinal) && !string.Equals(digest, computed, StringComparison.Ordinal))
        {
            throw new RegistryProtocolException(
                $"The manifest {repository}:{reference} does not match its digest {digest} (its body hashes to {computed}); it was cut short or altered.");
        }

        return new ManifestContent(digest, response.Content.Headers.ContentType?.ToString(), body);
    }

    private Uri ManifestUri(string repository, string reference) => new(BaseAddress, $"v2/{repository}/manifests/{reference}");

    private async Task<ListPage> GetListAsync(Uri uri, string field, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, uri, [JsonMediaType], cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, HttpMethod.Get, uri, cancellationToken).ConfigureAwait(false);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var items = ParseList(body, field, uri);
        return new ListPage(items, NextLink(response, uri), ReadAt(response));
    }

    /// <summary>Reads <c>{"FIELD": ["...", ...]}</c>; a null or missing field is an empty list.</summary>
    internal static List<string> ParseList(byte[] body, string field, Uri uri)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RegistryProtocolException($"GET {uri.PathAndQuery} did not return a JSON object.");
            }

            if (!root.TryGetProperty(field, out var array) || array.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                throw new RegistryProtocolException($"GET {uri.PathAndQuery} returned '{field}' as {array.ValueKind}, not an array.");
            }

            var items = new List<string>(array.GetArrayLength());
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw new RegistryProtocolException($"GET {uri.PathAndQuery} returned an entry of '{field}' that is not a string.");
                }

                items.Add(item.GetString()!);
            }

            return items;
        }
        catch (JsonException exception)
        {
            throw new RegistryProtocolException(
                $"GET {uri.PathAndQuery} returned a body that is not valid JSON, such as a body cut short: {exception.Message}", exception);
        }
    }

    private Uri? NextLink(HttpResponseMessage response, Uri requestUri)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        if (!LinkHeader.TryFindNext(values, out var target, out var error))
        {
            throw new RegistryProtocolException($"GET {requestUri.PathAndQuery} returned a malformed Link header: {error}.");
        }

        if (target is null)
        {
            return null;
        }

        if (!Uri.TryCreate(requestUri, target, out var next))
        {
            throw new RegistryProtocolException($"GET {requestUri.PathAndQuery} returned a next link '{target}' that is not a URI reference.");
        }

        var origin = BaseAddress;
        if (!string.Equals(next.Scheme, origin.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(next.Host, origin.Host, StringComparison.OrdinalIgnoreCase)
            || next.Port != origin.Port)
        {
            throw new RegistryProtocolException(
                $"GET {requestUri.PathAndQuery} returned a next link to {next.GetLeftPart(UriPartial.Authority)}, another origin than Registry__Url. The link is not followed, so that credentials stay with the registry.");
        }

        return next;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, IEnumerable<string> accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        foreach (var mediaType in accept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }

        try
        {
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsRequestFailure(exception, cancellationToken))
        {
            var attempts = _options.MaxRetries + 1;
            var reason = exception is TimeoutRejectedException or OperationCanceledException
                ? $"timed out after {_options.RequestTimeout.TotalSeconds:0.###} s"
                : exception.Message;
            throw new RegistryException($"{method} {uri.PathAndQuery} on {uri.GetLeftPart(UriPartial.Authority)} failed in {attempts} attempts: {reason}", exception);
        }
    }

    private async Task<RegistryException> ErrorAsync(HttpResponseMessage response, HttpMethod method, Uri uri, CancellationToken cancellationToken)
    {
        var (code, message) = method == HttpMethod.Head ? (null, null) : await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        var scope = RegistryScopes.ForPath(uri.AbsolutePath);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var fix = string.IsNullOrEmpty(_options.Username)
                ? "set Registry__Username and Registry__Password"
                : $"check that Registry__Username '{_options.Username}' may pull it and that Registry__Password is current";
            return new RegistryAuthException(
                $"The registry {_options.Url} returned {(int)response.StatusCode} to {method} {uri.PathAndQuery} (scope '{scope}') with fresh credentials: {fix}.")
            {
                AffectsEveryRequest = scope == RegistryScopes.Catalog,
            };
        }

        var detail = code is null ? "" : $": {code} {message}";
        return new RegistryException(
            $"{method} {uri.PathAndQuery} on {uri.GetLeftPart(UriPartial.Authority)} returned {(int)response.StatusCode} {response.ReasonPhrase}{detail}",
            response.StatusCode,
            code);
    }

    /// <summary>Reads the first error of a registry error body, <c>{"errors":[{"code","message"}]}</c>.</summary>
    private static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errors", out var errors)
                && errors.ValueKind == JsonValueKind.Array
                && errors.GetArrayLength() > 0
                && errors[0].ValueKind == JsonValueKind.Object)
            {
                var first = errors[0];
                var code = first.TryGetProperty("code", out var codeField) && codeField.ValueKind == JsonValueKind.String ? codeField.GetString() : null;
                var message = first.TryGetProperty("message", out var messageField) && messageField.ValueKind == JsonValueKind.String ? messageField.GetString() : null;
                return (code, message);
            }
        }
        catch (JsonException)
        {
            // Not a registry error body, such as an HTML page from a proxy.
        }

        return (null, null);
    }

    private DateTimeOffset ReadAt(HttpResponseMessage response) => response.Headers.Date ?? _clock.GetUtcNow();

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    private sealed record ListPage(List<string> Items, Uri? Next, DateTimeOffset ReadAt);
}
