using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Timeout;

namespace PortusFunctions.Scanning;

/// <summary>The HTTP client that scanner clients share, and the helpers they have in common.</summary>
/// <remarks>
/// Redirects are not followed automatically, because Harbor's scanner API responds with 302 while a report is not ready.
/// Transport failures, timeouts and 408, 429, 502, 503 and 504 are retried twice; 500 is not, because it is how a
/// Harbor adapter reports a failed scan.
/// </remarks>
public static class ScannerHttp
{
    /// <summary>Name of the client in the <see cref="IHttpClientFactory"/>.</summary>
    public const string ClientName = "PortusFunctions.Scanner";

    /// <summary>Whether a response or failure is worth sending the request again.</summary>
    internal static ValueTask<bool> IsTransient(Outcome<HttpResponseMessage> outcome) => ValueTask.FromResult(outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result.StatusCode: HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => true,
        _ => false,
    });

    /// <summary>Returns <paramref name="url"/> with a trailing slash, so relative paths resolve below it.</summary>
    internal static Uri BaseUri(string url) => new(url.TrimEnd('/') + "/", UriKind.Absolute);

    /// <summary>Sets the scanner's <c>Authorization</c> header, when one is configured.</summary>
    internal static void Authorize(HttpRequestMessage request, string? authorization)
    {
        if (!string.IsNullOrEmpty(authorization))
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
    }

    /// <summary>Returns a short description of an error response: status code and the start of the body.</summary>
    internal static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > 500)
        {
            body = body[..500] + "...";
        }

        return $"{(int)response.StatusCode} {response.ReasonPhrase}" + (body.Length > 0 ? $": {body}" : "");
    }

    /// <summary>Parses one media type with parameters, such as <c>application/vnd.x+json; version=1.0</c>.</summary>
    internal static MediaTypeHeaderValue MediaType(string value) => MediaTypeHeaderValue.Parse(value);
}
