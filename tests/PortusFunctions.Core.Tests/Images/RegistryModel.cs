using PortusFunctions.Images;

namespace PortusFunctions.Tests.Images;

/// <summary>
/// A registry applying changes one at a time, in the order given: the semantics the store must reproduce.
/// </summary>
internal sealed class RegistryModel
{
    private readonly Dictionary<string, (Dictionary<string, string> Tags, HashSet<string> Manifests)> _repositories = new(StringComparer.Ordinal);

    public void Apply(ImageCommand command)
    {
        if (!_repositories.TryGetValue(command.Repository, out var repository))
        {
            repository = (new Dictionary<string, string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
            _repositories[command.Repository] = repository;
        }

        switch (command)
        {
            case PushManifest push:
                repository.Manifests.Add(push.Digest);
                if (push.Tag is not null)
                {
                    repository.Tags[push.Tag] = push.Digest;
                }

                break;
            case DeleteTag delete:
                repository.Tags.Remove(delete.Tag);
                break;
            case DeleteDigest delete:
                repository.Manifests.Remove(delete.Digest);
                foreach (var tag in repository.Tags.Where(entry => entry.Value == delete.Digest).Select(entry => entry.Key).ToList())
                {
                    repository.Tags.Remove(tag);
                }

                break;
            case DeleteRepository:
                repository.Tags.Clear();
                repository.Manifests.Clear();
                break;
        }
    }

    /// <summary>Repositories with at least one tag or manifest, rendered as comparable text.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, repository) in _repositories)
        {
            if (repository.Tags.Count > 0 || repository.Manifests.Count > 0)
            {
                snapshot[name] = Render(
                    repository.Tags.Select(entry => (entry.Key, entry.Value)),
                    repository.Manifests);
            }
        }

        return snapshot;
    }

    public static string Render(IEnumerable<(string Tag, string Digest)> tags, IEnumerable<string> manifests) =>
        "tags[" + string.Join(",", tags.OrderBy(tag => tag.Tag, StringComparer.Ordinal).Select(tag => $"{tag.Tag}={tag.Digest}")) + "] "
        + "manifests[" + string.Join(",", manifests.Order(StringComparer.Ordinal)) + "]";
}
