namespace PrPortal.Tests.Support;

public static class TempFiles
{
    public static string NewPath(string prefix, string extension)
    {
        var dir = Path.Combine(Path.GetTempPath(), "prportal-tests");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, $"{prefix}-{Guid.NewGuid():N}{extension}");
    }

    public static void DeleteDatabase(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Best effort: a file still open by a finishing host is left for the OS to clean.
            }
        }
    }
}
