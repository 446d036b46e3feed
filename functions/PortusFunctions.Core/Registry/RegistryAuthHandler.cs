using System.Net;

namespace PortusFunctions.Registry;

/// <summary>
/// Adds the registry credentials to each request of <see cref="RegistryClient"/>, and after a 401 with a challenge,
/// sends the request once more with fresh credentials. A second 401 is returned to the client, which reports it as
/// an authentication error.
/// </summary>
public sealed class RegistryAuthHandler : DelegatingHandler
{
    private readonly RegistryAuthenticator _authenticator;

    /// <summary>Creates the handler.</summary>
    public RegistryAuthHandler(RegistryAuthenticator authenticator)
    {
        _authenticator = authenticator;
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        var scope = request.RequestUri is null ? null : RegistryScopes.ForPath(request.RequestUri.AbsolutePath);
        request.Headers.Authorization = await _authenticator.AuthorizeAsync(scope, cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenges = response.Headers.WwwAuthenticate
            .SelectMany(value => AuthenticationChallenge.Parse(value.ToString()))
            .ToList();
        var fresh = await _authenticator.RespondAsync(scope, challenges, cancellationToken).ConfigureAwait(false);
        if (fresh is null)
        {
            return response;
        }

        response.Dispose();
        request.Headers.Authorization = fresh;
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
