using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PortusFunctions.Access;

namespace PortusFunctions.Http;

/// <summary>
/// Checks the keys of read and admin requests: <c>Authorization: Bearer KEY</c>, the <c>X-Api-Key</c> header, or
/// HTTP Basic with the key as password, which lets a browser open the operator page.
/// </summary>
public sealed class ApiAccess
{
    /// <summary>Realm named in the <c>WWW-Authenticate</c> header.</summary>
    public const string Realm = "PortusFunctions";

    private readonly IOptionsMonitor<AccessOptions> _options;

    /// <summary>Creates the checker.</summary>
    public ApiAccess(IOptionsMonitor<AccessOptions> options)
    {
        _options = options;
    }

    /// <summary>Returns a 401 result when the request carries neither the reader key nor the admin key, otherwise null.</summary>
    public IResult? RequireReader(HttpRequest request)
    {
        var options = _options.CurrentValue;
        return Allows(request, options, options.ReaderKey, options.AdminKey) ? null : Unauthorized("the reader key or the admin key");
    }

    /// <summary>Returns a 401 result when the request does not carry the admin key, otherwise null.</summary>
    public IResult? RequireAdmin(HttpRequest request)
    {
        var options = _options.CurrentValue;
        if (Allows(request, options, options.AdminKey))
        {
            return null;
        }

        return string.IsNullOrEmpty(options.AdminKey)
            ? Unauthorized("the admin key, which is not set: set Access__AdminKey, or leave both keys empty in development mode")
            : Unauthorized("the admin key");
    }

    private static bool Allows(HttpRequest request, AccessOptions options, params string?[] keys)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Keyless access only when development mode is on and no key is set at all: a half-configured development
        // machine must not leave the admin requests open while reads need a key.
        if (options.DevelopmentMode && string.IsNullOrEmpty(options.ReaderKey) && string.IsNullOrEmpty(options.AdminKey))
        {
            return true;
        }

        var presented = PresentedKey(request);
        if (presented is null)
        {
            return false;
        }

        // Every configured key is compared, so the time taken does not tell which one matched.
        var matched = false;
        foreach (var key in keys)
        {
            matched |= SecretComparer.Matches(presented, key);
        }

        return matched;
    }

    private static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var apiKey) && !string.IsNullOrEmpty(apiKey))
        {
            return apiKey.ToString();
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? null : decoded[(colon + 1)..];
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    private static ProblemWithHeaders Unauthorized(string what) => new ProblemWithHeaders(
        Problems.Create(
            StatusCodes.Status401Unauthorized,
            "Missing or wrong key",
            $"Send {what} as 'Authorization: Bearer KEY', as the X-Api-Key header, or as the password of HTTP Basic authentication."),
        ("WWW-Authenticate", $"Basic realm=\"{Realm}\", charset=\"UTF-8\""));
}
