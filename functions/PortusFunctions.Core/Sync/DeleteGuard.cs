namespace PortusFunctions.Sync;

/// <summary>
/// The check that holds back a pass's deletes when they would remove more than <see cref="SyncOptions.DeleteGuardRatio"/>
/// of the store, which is what a registry that returns empty or partial listings would cause.
/// </summary>
public static class DeleteGuard
{
    /// <summary>
    /// Returns the share of the store, between 0 and 1, that the deletes remove. It is the largest of the shares of
    /// visible tags, manifests and repositories, counting the content of deleted repositories.
    /// </summary>
    public static double Share(PendingDeleteCounts deletes, StoreTotals totals)
    {
        ArgumentNullException.ThrowIfNull(deletes);
        ArgumentNullException.ThrowIfNull(totals);

        var tags = ShareOf(deletes.Tags + deletes.TagsInRepositories, totals.Tags);
        var manifests = ShareOf(deletes.Manifests + deletes.ManifestsInRepositories, totals.Manifests);
        var repositories = ShareOf(deletes.Repositories, totals.Repositories);
        return Math.Max(tags, Math.Max(manifests, repositories));
    }

    /// <summary>Whether deletes of <paramref name="share"/> of the store may go ahead without a confirmation.</summary>
    public static bool Allows(double share, double ratio) => share <= ratio;

    private static double ShareOf(long deleted, long total)
    {
        if (deleted <= 0)
        {
            return 0;
        }

        return total <= 0 ? 1 : Math.Min(1, (double)deleted / total);
    }
}
