using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CpxTeleservice.Infrastructure;

/// <summary>A migration file: <c>NNN_name.sql</c>, applied in the order of its number.</summary>
public sealed record MigrationFile(int Version, string Name, string Sql, string Checksum)
{
    private static readonly Regex FileName = new(@"^(?<version>\d{3,})_(?<name>[a-z0-9_]+)\.sql$", RegexOptions.CultureInvariant);

    public static IReadOnlyList<MigrationFile> LoadFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new MigrationException($"The migrations folder '{folder}' does not exist (setting Database__MigrationsPath).");
        }

        var files = new List<MigrationFile>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.sql"))
        {
            var match = FileName.Match(Path.GetFileName(path));
            if (!match.Success)
            {
                throw new MigrationException($"'{Path.GetFileName(path)}' is not named NNN_name.sql: refusing to guess its order.");
            }

            // Line endings are normalised so that a checkout with CRLF does not look like an edit.
            var sql = File.ReadAllText(path, Encoding.UTF8).Replace("\r\n", "\n");
            var checksum = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql))).ToLowerInvariant();
            files.Add(new MigrationFile(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, sql, checksum));
        }

        var duplicate = files.GroupBy(f => f.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MigrationException($"Two migrations carry the number {duplicate.Key}: {string.Join(", ", duplicate.Select(f => f.Name))}.");
        }

        return files.OrderBy(f => f.Version).ToList();
    }
}
