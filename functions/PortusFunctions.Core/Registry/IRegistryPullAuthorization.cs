namespace PortusFunctions.Registry;

/// <summary>Credentials that let another client, such as a scanner, pull from the configured registry.</summary>
public interface IRegistryPullAuthorization
{
    /// <summary>
    /// Returns the <c>Authorization</c> header value that pulls <paramref name="repository"/>: a bearer token for
    /// <c>repository:NAME:pull</c> when the registry uses token authentication, <c>Basic</c> credentials when it
    /// uses basic authentication, and null when it allows anonymous pulls.
    /// </summary>
    /// <exception cref="RegistryAuthException">The registry or its token server rejected the configured credentials.</exception>
    /// <exception cref="RegistryException">The registry or its token server could not be reached.</exception>
    Task<string?> GetAsync(string repository, CancellationToken cancellationToken);
}
