using Microsoft.AspNetCore.Http;
using PortusFunctions.Images;
using Microsoft.Extensions.Options;
using PortusFunctions.Registry;
using PortusFunctions.Scanning;
using PortusFunctions.Storage;

namespace PortusFunctions.Http;

/// <summary><c>GET /api/repositories</c> and <c>GET /api/repositories/tags</c>.</summary>
public sealed class RepositoryEndpoints
{
    /// <summary>Path of the repository list.</summary>
    public const string ListRoute = "api/repositories";

    /// <summary>Path of the tag list of one repository.</summary>
    public const string TagsRoute = "api/repositories/tags";

    private readonly IImageStore _images;
    private readonly IScanStore _scans;
    private readonly IOptions<ScanOptions> _scanOptions;
    private readonly ApiAccess _access;

    /// <summary>Creates the endpoints.</summary>
    public RepositoryEndpoints(IImageStore images, IScanStore scans, IOptions<ScanOptions> scanOptions, ApiAccess access)
    {
        _images = images;
        _scans = scans;
        _scanOptions = scanOptions;
        _access = access;
    }

    /// <summary>Lists repositories with their tag counts.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (_access.RequireReader(request) is { } denied)
        {
            return denied;
        }

        try
        {
            var repositories = await _images.ListRepositoriesAsync(cancellationToken).ConfigureAwait(false);
            var views = repositories.Select(repository =>
                new RepositoryView(repository.Name, repository.Namespace, repository.TagCount, repository.ManifestCount)).ToList();
            return Results.Json(new RepositoryListResponse(views), ApiJson.Api.RepositoryListResponse);
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }
    }

    /// <summary>Lists the tags of the repository named by the <c>repository</c> query parameter, with their scan status.</summary>
    public async Task<IResult> TagsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        if (_access.RequireReader(request) is { } denied)
        {
            return denied;
        }

        var name = request.Query["repository"].ToString();
        if (string.IsNullOrEmpty(name))
        {
            return Problems.Result(StatusCodes.Status400BadRequest, "Missing repository", "Query parameter 'repository' is missing: call /api/repositories/tags?repository=NAME.");
        }

        if (!ReferenceRules.IsValidRepository(name))
        {
            return Problems.Result(StatusCodes.Status400BadRequest, "Invalid repository", $"'{name}' is not a valid repository name: expected lowercase path components separated by '/'.");
        }

        try
        {
            var partition = await _images.GetRepositoryAsync(name, cancellationToken).ConfigureAwait(false);
            if (partition is null)
            {
                return Problems.Result(StatusCodes.Status404NotFound, "Repository not found", $"Repository '{name}' holds no tags or manifests in the store.");
            }

            var visible = partition.VisibleTags();
            var scans = await _scans.GetManyAsync(visible.Select(tag => tag.Digest!), cancellationToken).ConfigureAwait(false);
            var tags = visible
                .Select(tag =>
                {
                    var scan = scans.GetValueOrDefault(tag.Digest!);
                    return new TagView(
                        tag.Tag,
                        tag.Digest!,
                        tag.MediaType,
                        tag.Version.Time,
                        VulnerabilityEndpoint.StatusOf(scan, _scanOptions.Value),
                        VulnerabilityEndpoint.CountsOf(scan));
                })
                .ToList();
            return Results.Json(new TagListResponse(name, tags), ApiJson.Api.TagListResponse);
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }
    }
}
