//! What the filesystem holding the database says about itself, for `ariza doctor`: whether
//! it is encrypted and how much room is left. Answers are honest rather than hopeful: what
//! cannot be seen is "not detected" or "not checked", never a guess.
//!
//! Linux: dm-crypt (LUKS or plain) is seen by walking from the block device that holds the
//! database, through its `slaves/` in sysfs (LVM on LUKS, say), to a device-mapper device
//! whose `dm/uuid` starts with `CRYPT-`; a filesystem on an anonymous device (btrfs, say) is
//! traced to its source device through `/proc/self/mountinfo`. fscrypt is seen through
//! `statx`'s encrypted attribute. Hardware-encrypted drives, ZFS native encryption or
//! eCryptfs are not seen. Windows and macOS are not checked (BitLocker and FileVault:
//! docs/security.md says what is planned).

use std::path::Path;

/// Whether the filesystem holding the database is encrypted, as far as this desk can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskEncryption {
    /// dm-crypt (LUKS or plain) under the device holding the database; `device` is the
    /// device-mapper device (`dm-0`).
    DmCrypt { device: String },
    /// The database's folder is encrypted by fscrypt (ext4, f2fs).
    Fscrypt,
    /// Looked, and found neither. Not proof that the disk is unencrypted.
    NotDetected,
    /// This system is not checked (not Linux).
    NotChecked,
}

/// Room on the filesystem holding the database, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreeSpace {
    /// What this account may still write.
    pub available: u64,
    pub total: u64,
}

/// Whether the filesystem holding `dir` is encrypted.
pub fn disk_encryption(dir: &Path) -> DiskEncryption {
    #[cfg(target_os = "linux")]
    {
        linux::disk_encryption(dir)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        DiskEncryption::NotChecked
    }
}

/// Room left on the filesystem holding `dir`; `None` when this system is not checked or the
/// question failed.
pub fn free_space(dir: &Path) -> Option<FreeSpace> {
    #[cfg(unix)]
    {
        let vfs = rustix::fs::statvfs(dir).ok()?;
        // The field types differ between platforms (u64 on Linux, u32 in places on macOS).
        #[allow(clippy::unnecessary_cast)]
        let (frsize, avail, blocks) = (
            vfs.f_frsize as u64,
            vfs.f_bavail as u64,
            vfs.f_blocks as u64,
        );
        Some(FreeSpace {
            available: avail.saturating_mul(frsize),
            total: blocks.saturating_mul(frsize),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    use super::DiskEncryption;

    /// Device-mapper chains are short (LVM on LUKS on a partition); the bound only stops a
    /// cycle in a damaged sysfs from looping.
    const MAX_DEPTH: usize = 8;

    pub fn disk_encryption(dir: &Path) -> DiskEncryption {
        if fscrypt(dir) {
            return DiskEncryption::Fscrypt;
        }
        let Ok(meta) = std::fs::metadata(dir) else {
            return DiskEncryption::NotDetected;
        };
        let dev = meta.dev();
        let (mut major, mut minor) = (rustix::fs::major(dev), rustix::fs::minor(dev));
        if major == 0
            && let Some((ma, mi)) = mount_source_device(major, minor)
        {
            (major, minor) = (ma, mi);
        }
        match dm_crypt_under(Path::new("/sys"), major, minor) {
            Some(device) => DiskEncryption::DmCrypt { device },
            None => DiskEncryption::NotDetected,
        }
    }

    fn fscrypt(dir: &Path) -> bool {
        use rustix::fs::{AtFlags, StatxAttributes, StatxFlags};
        match rustix::fs::statx(rustix::fs::CWD, dir, AtFlags::empty(), StatxFlags::empty()) {
            Ok(st) => {
                st.stx_attributes_mask.contains(StatxAttributes::ENCRYPTED)
                    && st.stx_attributes.contains(StatxAttributes::ENCRYPTED)
            }
            Err(_) => false,
        }
    }

    /// A filesystem on an anonymous device (btrfs, overlay) has major 0; its mount's source
    /// in mountinfo names the real block device, when there is one.
    fn mount_source_device(major: u32, minor: u32) -> Option<(u32, u32)> {
        let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        let source = mount_source(&info, major, minor)?;
        let rdev = std::fs::metadata(source).ok()?.rdev();
        Some((rustix::fs::major(rdev), rustix::fs::minor(rdev)))
    }

    /// The source of the mount of device `major:minor` in a mountinfo text, when it is a
    /// device path (`/dev/…`). Fields: id, parent, major:minor, root, mount point, options,
    /// optional fields, `-`, type, source, super options.
    pub(super) fn mount_source(info: &str, major: u32, minor: u32) -> Option<&str> {
        let wanted = format!("{major}:{minor}");
        info.lines().find_map(|line| {
            let mut fields = line.split(' ');
            if fields.nth(2)? != wanted {
                return None;
            }
            let (_, after) = line.split_once(" - ")?;
            let source = after.split(' ').nth(1)?;
            source.starts_with("/dev/").then_some(source)
        })
    }

    /// The dm-crypt device at or under block device `major:minor`, following `slaves/`
    /// down from it in the sysfs mounted at `sys`.
    pub(super) fn dm_crypt_under(sys: &Path, major: u32, minor: u32) -> Option<String> {
        let start = sys.join("dev/block").join(format!("{major}:{minor}"));
        walk(&start, 0)
    }

    fn walk(device: &Path, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Ok(uuid) = std::fs::read_to_string(device.join("dm/uuid"))
            && uuid.starts_with("CRYPT-")
        {
            let name = std::fs::canonicalize(device)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "dm".to_string());
            return Some(name);
        }
        let slaves = std::fs::read_dir(device.join("slaves")).ok()?;
        slaves
            .flatten()
            .find_map(|slave| walk(&slave.path(), depth + 1))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    // A test: a panic is the failure.
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::symlink;
    use std::path::Path;

    use super::linux::{dm_crypt_under, mount_source};

    fn device(sys: &Path, name: &str, uuid: Option<&str>) -> std::path::PathBuf {
        let dir = sys.join("devices/virtual/block").join(name);
        std::fs::create_dir_all(dir.join("slaves")).unwrap();
        if let Some(uuid) = uuid {
            std::fs::create_dir_all(dir.join("dm")).unwrap();
            std::fs::write(dir.join("dm/uuid"), uuid).unwrap();
        }
        dir
    }

    #[test]
    fn luks_under_lvm_is_found_and_a_plain_lvm_volume_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let sys = tmp.path();
        std::fs::create_dir_all(sys.join("dev/block")).unwrap();
        // dm-1 (LVM) on dm-0 (LUKS) on sda2; dm-2 (LVM) directly on sdb1.
        let sda2 = device(sys, "sda2", None);
        let luks = device(sys, "dm-0", Some("CRYPT-LUKS2-0123abcd-luks-0123"));
        symlink(&sda2, luks.join("slaves/sda2")).unwrap();
        let lvm = device(sys, "dm-1", Some("LVM-abcdef"));
        symlink(&luks, lvm.join("slaves/dm-0")).unwrap();
        let sdb1 = device(sys, "sdb1", None);
        let plain = device(sys, "dm-2", Some("LVM-012345"));
        symlink(&sdb1, plain.join("slaves/sdb1")).unwrap();
        symlink(&lvm, sys.join("dev/block/253:1")).unwrap();
        symlink(&plain, sys.join("dev/block/253:2")).unwrap();
        symlink(&sda2, sys.join("dev/block/8:2")).unwrap();

        assert_eq!(dm_crypt_under(sys, 253, 1).as_deref(), Some("dm-0"));
        assert_eq!(dm_crypt_under(sys, 253, 2), None);
        // A filesystem straight on a partition, and a device sysfs does not know.
        assert_eq!(dm_crypt_under(sys, 8, 2), None);
        assert_eq!(dm_crypt_under(sys, 0, 44), None);
    }

    #[test]
    fn a_btrfs_mount_is_traced_to_its_device_and_an_overlay_is_not() {
        let info = "\
29 1 0:26 / / rw,relatime shared:1 - btrfs /dev/mapper/luks-1234 rw,ssd
30 29 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size=4096k
410 300 0:52 / / rw,relatime - overlay overlay rw,lowerdir=/l
";
        assert_eq!(mount_source(info, 0, 26), Some("/dev/mapper/luks-1234"));
        assert_eq!(mount_source(info, 0, 5), None);
        assert_eq!(mount_source(info, 0, 52), None);
        assert_eq!(mount_source(info, 0, 99), None);
    }

    #[test]
    fn this_machine_gets_an_answer_and_free_space_reads() {
        let tmp = tempfile::tempdir().unwrap();
        // Whatever this machine is, the answer is one of the honest ones, never a panic.
        let _ = super::disk_encryption(tmp.path());
        let space = super::free_space(tmp.path()).unwrap();
        assert!(
            space.total > 0 && space.available <= space.total,
            "{space:?}"
        );
    }
}
