using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// A token server on 127.0.0.1 for the distribution registry's token authentication: it answers
/// <c>GET /token?service=S&amp;scope=...</c> with a JWT signed by a test certificate that the registry trusts through
/// its <c>rootcertbundle</c>, granting the requested scopes.
/// </summary>
internal sealed class TokenServer : IAsyncDisposable
{
    /// <summary>Service name the registry and the tokens share.</summary>
    public const string Service = "portus-test-registry";

    /// <summary>Issuer the registry trusts.</summary>
    public const string Issuer = "portus-test-issuer";

    private readonly WebApplication _app;
    private readonly RSA _key;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentQueue<string> _scopes = new();

    private TokenServer(WebApplication app, RSA key, X509Certificate2 certificate, Uri url, string rootBundle)
    {
        _app = app;
        _key = key;
        _certificate = certificate;
        Url = url;
        RootBundlePath = rootBundle;
    }

    /// <summary>Token endpoint, the realm of the registry's challenges.</summary>
    public Uri Url { get; }

    /// <summary>PEM file with the signing certificate, for the registry's <c>rootcertbundle</c>.</summary>
    public string RootBundlePath { get; }

    /// <summary>Credentials a token request must carry as HTTP Basic, or null to issue tokens to anyone.</summary>
    public (string User, string Password)? RequiredCredentials { get; set; }

    /// <summary>Lifetime written as <c>expires_in</c> and as the token's expiry.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Repositories whose pull scope is refused, so their requests fail with 401 after a fresh token.</summary>
    public ConcurrentDictionary<string, bool> DeniedRepositories { get; } = new(StringComparer.Ordinal);

    /// <summary>Scopes of every token issued, in order.</summary>
    public IReadOnlyList<string> IssuedScopes => [.. _scopes];

    /// <summary>Returns the <c>auth:</c> section of a registry configuration that trusts this server.</summary>
    public string RegistryAuthSection() => $"""
          token:
            realm: {Url}
            service: {Service}
            issuer: {Issuer}
            rootcertbundle: {RootBundlePath}
        """;

    /// <summary>Starts a server with a new key and self-signed certificate.</summary>
    public static async Task<TokenServer> StartAsync()
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=portus-test-token-signer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        var bundle = Path.Combine(TestTools.TemporaryFolder("token"), "root.pem");
        await File.WriteAllTextAsync(bundle, certificate.ExportCertificatePem()).ConfigureAwait(false);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TokenServer? server = null;
        app.MapGet("/token", (HttpContext context) => server!.Issue(context));
        await app.StartAsync().ConfigureAwait(false);
        server = new TokenServer(app, key, certificate, new Uri(app.Urls.First() + "/token"), bundle);
        return server;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _certificate.Dispose();
        _key.Dispose();
    }

    private IResult Issue(HttpContext context)
    {
        if (RequiredCredentials is { } required && !HasCredentials(context.Request, required))
        {
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }

        var scopes = context.Request.Query["scope"].Where(scope => !string.IsNullOrEmpty(scope)).Select(scope => scope!).ToList();
        var access = new JsonArray();
        foreach (var scope in scopes)
        {
            _scopes.Enqueue(scope);
            var parts = scope.Split(':');
            if (parts.Length < 3)
            {
                continue;
            }

            var name = string.Join(':', parts[1..^1]);
            if (parts[0] == "repository" && DeniedRepositories.ContainsKey(name))
            {
                continue;
            }

            access.Add(new JsonObject
            {
                ["type"] = parts[0],
                ["name"] = name,
                ["actions"] = new JsonArray([.. parts[^1].Split(',').Select(action => (JsonNode)action)]),
            });
        }

        var now = DateTimeOffset.UtcNow;
        var token = Sign(new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = RequiredCredentials?.User ?? "anonymous",
            ["aud"] = context.Request.Query["service"].ToString(),
            ["exp"] = (now + Lifetime).ToUnixTimeSeconds(),
            ["nbf"] = now.AddSeconds(-5).ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        });
        return Results.Json(new Dictionary<string, object>
        {
            ["token"] = token,
            ["access_token"] = token,
            ["expires_in"] = (int)Lifetime.TotalSeconds,
            ["issued_at"] = now.ToString("O"),
        });
    }

    private string Sign(JsonObject claims)
    {
        var header = new JsonObject
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)),
        };
        var signed = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signed + "." + Base64Url(signature);
    }

    private static bool HasCredentials(HttpRequest request, (string User, string Password) required)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        return decoded == $"{required.User}:{required.Password}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
