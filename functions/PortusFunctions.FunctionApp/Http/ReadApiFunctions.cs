using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PortusFunctions.Http;

namespace PortusFunctions.FunctionApp.Http;

/// <summary>The read API. Anonymous at the Functions level: the handlers require the reader key.</summary>
public sealed class ReadApiFunctions
{
    private readonly RepositoryEndpoints _repositories;
    private readonly VulnerabilityEndpoint _vulnerabilities;
    private readonly HealthEndpoint _health;

    /// <summary>Creates the functions.</summary>
    public ReadApiFunctions(RepositoryEndpoints repositories, VulnerabilityEndpoint vulnerabilities, HealthEndpoint health)
    {
        _repositories = repositories;
        _vulnerabilities = vulnerabilities;
        _health = health;
    }

    /// <summary>Handles <c>GET /api/repositories</c>.</summary>
    [Function("ListRepositories")]
    public async Task<IActionResult> ListRepositoriesAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = RepositoryEndpoints.ListRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _repositories.ListAsync(request, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>GET /api/repositories/tags</c>.</summary>
    [Function("ListTags")]
    public async Task<IActionResult> ListTagsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = RepositoryEndpoints.TagsRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _repositories.TagsAsync(request, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>GET /api/vulnerabilities</c>.</summary>
    [Function("GetVulnerabilities")]
    public async Task<IActionResult> GetVulnerabilitiesAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = VulnerabilityEndpoint.Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _vulnerabilities.GetAsync(request, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>GET /api/health</c>.</summary>
    [Function("Health")]
    public async Task<IActionResult> HealthAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HealthEndpoint.Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _health.CheckAsync(request, cancellationToken).ConfigureAwait(false));
}
