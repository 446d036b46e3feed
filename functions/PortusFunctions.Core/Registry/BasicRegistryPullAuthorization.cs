using System.Text;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Registry;

/// <summary>
/// HTTP Basic authorization with <see cref="RegistryOptions.Username"/> and <see cref="RegistryOptions.Password"/>,
/// or anonymous access when no user name is configured.
/// </summary>
/// <remarks>
/// Every repository gets the same credential. A registry with token authentication accepts it at its token realm,
/// which is how the Trivy adapter and Harbor use a Basic credential.
/// </remarks>
public sealed class BasicRegistryPullAuthorization : IRegistryPullAuthorization
{
    private readonly IOptions<RegistryOptions> _options;

    /// <summary>Creates the credential source.</summary>
    public BasicRegistryPullAuthorization(IOptions<RegistryOptions> options)
    {
        _options = options;
    }

    /// <inheritdoc/>
    public Task<string?> GetAsync(string repository, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        if (string.IsNullOrEmpty(options.Username))
        {
            return Task.FromResult<string?>(null);
        }

        var credential = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}"));
        return Task.FromResult<string?>("Basic " + credential);
    }
}
