using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PrPortal.Infrastructure.Files;

/// <summary>
/// A file's identity as the kernel knows it (device and inode): a renamed or rotated file keeps it, a
/// copy gets a new one. Read with statx(2) on the open handle, whose layout is the same on every Linux
/// architecture; elsewhere (no statx) the full path stands in.
/// </summary>
public static class FileIdentity
{
    private const int AtEmptyPath = 0x1000;
    private const uint StatxIno = 0x100;

    public static string Of(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "path:" + Path.GetFullPath(path);
        }
        var buffer = new byte[256];
        if (Statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxIno, buffer) != 0)
        {
            return "path:" + Path.GetFullPath(path);
        }
        var inode = BitConverter.ToUInt64(buffer, 32);
        var devMajor = BitConverter.ToUInt32(buffer, 136);
        var devMinor = BitConverter.ToUInt32(buffer, 140);
        return $"{devMajor}.{devMinor}:{inode}";
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] statx);
}
