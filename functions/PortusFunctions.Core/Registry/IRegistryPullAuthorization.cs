namespace PortusFunctions.Registry;

/// <summary>
/// The credential that a scanner sends to the registry to pull an image of a repository.
/// </summary>
public interface IRegistryPullAuthorization
{
    /// <summary>
    /// Returns the value of the <c>Authorization</c> header that a scanner should send to pull
    /// <paramref name="repository"/>, or null for anonymous access.
    /// </summary>
    Task<string?> GetAsync(string repository, CancellationToken cancellationToken);
}
