using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Registry;

/// <summary>
/// Authentication to the registry: anonymous until the registry challenges, then basic credentials or bearer tokens
/// from the realm of the challenge, cached per scope until shortly before they expire.
/// </summary>
/// <remarks>
/// The scheme is learned from the first <c>WWW-Authenticate</c> challenge and kept, so later requests carry
/// credentials from the start and a new scope costs one token request instead of a 401 first. Tokens are requested
/// as the distribution registry's token specification describes: <c>GET REALM?service=S&amp;scope=X</c>, with the
/// configured user name and password as basic credentials when they are set.
/// </remarks>
public sealed partial class RegistryAuthenticator : IRegistryPullAuthorization
{
    /// <summary>Name of the HTTP client that requests tokens and probes <c>/v2/</c>, without the registry's own auth handler.</summary>
    public const string AuthClientName = "PortusRegistryAuth";

    // The token specification's default lifetime when the response names none.
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);

    // A probe that found anonymous access is trusted this long before the next one.
    private static readonly TimeSpan AnonymousProbeLifetime = TimeSpan.FromMinutes(5);

    private const int MaxCachedTokens = 1024;

    private readonly IHttpClientFactory _clients;
    private readonly IOptionsMonitor<RegistryOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<RegistryAuthenticator> _logger;
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);
    private volatile AuthenticationChallenge? _challenge;
    private DateTimeOffset _anonymousUntil = DateTimeOffset.MinValue;

    /// <summary>Creates the authenticator.</summary>
    public RegistryAuthenticator(
        IHttpClientFactory clients,
        IOptionsMonitor<RegistryOptions> options,
        TimeProvider clock,
        ILogger<RegistryAuthenticator> logger)
    {
        _clients = clients;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The scheme learned from the registry's last challenge, or null while no request was challenged.</summary>
    public string? Scheme => _challenge?.Scheme;

    /// <summary>
    /// Returns the credentials a request with <paramref name="scope"/> carries before any challenge: null while the
    /// registry has not challenged, basic credentials, or a cached or new token of that scope.
    /// </summary>
    /// <exception cref="RegistryAuthException">The token server rejected the credentials.</exception>
    public async ValueTask<AuthenticationHeaderValue?> AuthorizeAsync(string? scope, CancellationToken cancellationToken)
    {
        var challenge = _challenge;
        if (challenge is null)
        {
            return null;
        }

        if (challenge.IsBasic)
        {
            return BasicHeader();
        }

        if (scope is null)
        {
            return null;
        }

        var token = await GetTokenAsync(challenge, scope, TimeSpan.Zero, forceNew: false, cancellationToken).ConfigureAwait(false);
        return new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>
    /// Learns the scheme from the challenges of a 401 response and returns new credentials for one more attempt:
    /// basic credentials, or a token requested now for the challenge's scope.
    /// </summary>
    /// <returns>The credentials, or null when the challenge names no scheme this client supports.</returns>
    /// <exception cref="RegistryAuthException">
    /// The registry requires basic credentials and none are configured, or the token server rejected them.
    /// </exception>
    public async ValueTask<AuthenticationHeaderValue?> RespondAsync(
        string? scope,
        IReadOnlyList<AuthenticationChallenge> challenges,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenges);

        var challenge = challenges.FirstOrDefault(candidate => candidate.IsBearer && !string.IsNullOrEmpty(candidate.Realm))
            ?? challenges.FirstOrDefault(candidate => candidate.IsBasic);
        if (challenge is null)
        {
            return null;
        }

        Learn(challenge);
        if (challenge.IsBasic)
        {
            return BasicHeader() ?? throw MissingCredentials();
        }

        var token = await GetTokenAsync(challenge, challenge.Scope ?? scope, TimeSpan.Zero, forceNew: true, cancellationToken)
            .ConfigureAwait(false);
        return new AuthenticationHeaderValue("Bearer", token);
    }

    /// <inheritdoc/>
    public async Task<string?> GetAsync(string repository, CancellationToken cancellationToken)
    {
        if (!ReferenceRules.IsValidRepository(repository))
        {
            throw new ArgumentException($"'{repository}' is not a valid repository name.", nameof(repository));
        }

        var challenge = _challenge ?? await ProbeAsync(cancellationToken).ConfigureAwait(false);
        if (challenge is null)
        {
            return null;
        }

        if (challenge.IsBasic)
        {
            return (BasicHeader() ?? throw MissingCredentials()).ToString();
        }

        // The caller hands the token to another client, so it must stay valid for a while after this call.
        var token = await GetTokenAsync(challenge, RegistryScopes.Pull(repository), TimeSpan.FromSeconds(30), forceNew: false, cancellationToken)
            .ConfigureAwait(false);
        return "Bearer " + token;
    }

    /// <summary>Returns the exception for a registry that requires credentials when none are configured.</summary>
    internal RegistryAuthException MissingCredentials() => new(
        $"The registry {_options.CurrentValue.Url} requires authentication: set Registry__Username and Registry__Password.")
    {
        AffectsEveryRequest = true,
    };

    private void Learn(AuthenticationChallenge challenge)
    {
        var previous = _challenge;
        _challenge = challenge;
        if (previous is null || !string.Equals(previous.Scheme, challenge.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(previous.Realm, challenge.Realm, StringComparison.Ordinal))
        {
            LogChallenge(challenge.Scheme, challenge.Realm ?? "", challenge.Service ?? "");
        }
    }

    private AuthenticationHeaderValue? BasicHeader()
    {
        var options = _options.CurrentValue;
        if (string.IsNullOrEmpty(options.Username))
        {
            return null;
        }

        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}"));
        return new AuthenticationHeaderValue("Basic", credentials);
    }

    /// <summary>Sends <c>GET /v2/</c> without credentials to learn whether and how the registry authenticates.</summary>
    private async Task<AuthenticationChallenge?> ProbeAsync(CancellationToken cancellationToken)
    {
        if (_clock.GetUtcNow() < _anonymousUntil)
        {
            return null;
        }

        var options = _options.CurrentValue;
        if (!options.IsConfigured)
        {
            throw new RegistryException("Registry__Url is empty: set it to the registry's base URL to pull from it.");
        }

        var client = _clients.CreateClient(AuthClientName);
        var uri = new Uri(options.BaseAddress(), "v2/");
        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (RegistryClient.IsRequestFailure(exception, cancellationToken))
        {
            throw new RegistryException($"GET {uri} failed: {exception.Message}", exception);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                _anonymousUntil = _clock.GetUtcNow() + AnonymousProbeLifetime;
                return null;
            }

            var challenges = response.Headers.WwwAuthenticate.SelectMany(value => AuthenticationChallenge.Parse(value.ToString())).ToList();
            var challenge = challenges.FirstOrDefault(candidate => candidate.IsBearer && !string.IsNullOrEmpty(candidate.Realm))
                ?? challenges.FirstOrDefault(candidate => candidate.IsBasic)
                ?? throw new RegistryAuthException(
                    $"The registry {options.Url} returned 401 to GET /v2/ without a Basic or Bearer challenge; only those schemes are supported.");
            Learn(challenge);
            return challenge;
        }
    }

    private async ValueTask<string> GetTokenAsync(
        AuthenticationChallenge challenge,
        string? scope,
        TimeSpan minimumRemaining,
        bool forceNew,
        CancellationToken cancellationToken)
    {
        var key = $"{challenge.Realm}\n{challenge.Service}\n{scope}";
        var now = _clock.GetUtcNow();
        if (!forceNew && _tokens.TryGetValue(key, out var cached) && cached.IsUsable(now, minimumRemaining))
        {
            return cached.Value;
        }

        var token = await RequestTokenAsync(challenge, scope, cancellationToken).ConfigureAwait(false);
        if (_tokens.Count >= MaxCachedTokens)
        {
            foreach (var (staleKey, stale) in _tokens)
            {
                if (!stale.IsUsable(now, TimeSpan.Zero))
                {
                    _tokens.TryRemove(staleKey, out _);
                }
            }

            // A sync of many repositories within one token lifetime keeps every token valid; starting over keeps
            // the cache bounded at the cost of requesting the catalog token again.
            if (_tokens.Count >= MaxCachedTokens)
            {
                _tokens.Clear();
            }
        }

        _tokens[key] = token;
        return token.Value;
    }

    private async Task<CachedToken> RequestTokenAsync(AuthenticationChallenge challenge, string? scope, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var realm = ResolveRealm(challenge.Realm!, options);
        var query = new StringBuilder();
        if (!string.IsNullOrEmpty(challenge.Service))
        {
            query.Append("service=").Append(Uri.EscapeDataString(challenge.Service));
        }

        if (!string.IsNullOrEmpty(scope))
        {
            query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(scope));
        }

        var builder = new UriBuilder(realm);
        builder.Query = string.IsNullOrEmpty(builder.Query) ? query.ToString() : builder.Query.TrimStart('?') + "&" + query;

        using var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        request.Headers.Authorization = BasicHeader();
        var client = _clients.CreateClient(AuthClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (RegistryClient.IsRequestFailure(exception, cancellationToken))
        {
            throw new RegistryException($"The token server {realm.GetLeftPart(UriPartial.Path)} could not be reached: {exception.Message}", exception);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                var principal = string.IsNullOrEmpty(options.Username) ? "anonymous access" : $"the credentials of Registry__Username '{options.Username}'";
                throw new RegistryAuthException(
                    $"The token server {realm.GetLeftPart(UriPartial.Path)} of registry {options.Url} rejected {principal} for scope '{scope}' ({(int)response.StatusCode}): check Registry__Username and Registry__Password.")
                {
                    AffectsEveryRequest = true,
                };
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new RegistryException(
                    $"The token server {realm.GetLeftPart(UriPartial.Path)} returned {(int)response.StatusCode} {response.ReasonPhrase} for scope '{scope}'.",
                    response.StatusCode,
                    null);
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var token = ParseToken(body, _clock.GetUtcNow())
                ?? throw new RegistryProtocolException(
                    $"The token server {realm.GetLeftPart(UriPartial.Path)} returned a response without a token or access_token field.");
            LogTokenIssued(scope ?? "", token.ExpiresAt);
            return token;
        }
    }

    /// <summary>Reads a token response: <c>token</c> or <c>access_token</c>, and <c>expires_in</c> in seconds.</summary>
    internal static CachedToken? ParseToken(byte[] body, DateTimeOffset receivedAt)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var value = StringOf(root, "token") ?? StringOf(root, "access_token");
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : DefaultTokenLifetime;
            return new CachedToken(value, receivedAt, receivedAt + lifetime);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var field) && field.ValueKind == JsonValueKind.String ? field.GetString() : null;

    private static Uri ResolveRealm(string realm, RegistryOptions options)
    {
        if (!Uri.TryCreate(options.BaseAddress(), realm, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new RegistryProtocolException($"The registry {options.Url} named the token realm '{realm}', which is not an http or https URL.");
        }

        return uri;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Registry authenticates with {Scheme} (realm '{Realm}', service '{Service}')")]
    private partial void LogChallenge(string scheme, string realm, string service);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Registry token issued for scope '{Scope}', valid until {ExpiresAt}")]
    private partial void LogTokenIssued(string scope, DateTimeOffset expiresAt);
}

/// <summary>A bearer token and when it stops being valid.</summary>
/// <param name="Value">The token.</param>
/// <param name="IssuedAt">When it was received.</param>
/// <param name="ExpiresAt">When it expires.</param>
internal sealed record CachedToken(string Value, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// Whether the token stays valid for <paramref name="minimumRemaining"/>, plus a margin of a quarter of its lifetime
    /// (at most 10 s) for the request in flight.
    /// </summary>
    public bool IsUsable(DateTimeOffset now, TimeSpan minimumRemaining)
    {
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, (ExpiresAt - IssuedAt).Ticks / 4));
        return now + minimumRemaining + margin < ExpiresAt;
    }
}
