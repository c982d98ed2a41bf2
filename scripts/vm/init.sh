#!/bin/busybox sh
# /init of the throwaway kernel-suite VM (copied into the initramfs by build-assets.mjs).
#
# Loads virtio/9p and IPVS from the initramfs, mounts the host's root read-only over 9p and chroots
# into it with the guest's own /tmp, /run, /dev, /proc and /sys, so node, ipvsadm and the project
# come from the host unchanged. The job (written by run-in-vm.mjs) arrives on the writable "job"
# share, which the chroot sees at /run/vm; its combined output goes to ttyS1 and its exit status
# to /run/vm/exit-code. The kernel console (ttyS0) carries only these "vm-init:" lines and kernel
# messages. Any failure powers off without an exit-code file, which the host reports as a failure.

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /newroot
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

say() { echo "vm-init: $*"; }
die() {
	say "FATAL: $*"
	sync
	poweroff -f
	sleep 10
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say "up $(cut -d' ' -f1 /proc/uptime)s"

# The kernel's own module requests (a scheduler named in a request, crypto-crc32c, ...) run
# /sbin/modprobe in this initramfs, which holds every IPVS module and its dependencies.
echo /sbin/modprobe > /proc/sys/kernel/modprobe

for m in $(cat /etc/vm/modules-boot) $(cat /etc/vm/modules-ipvs); do
	modprobe "$m" || die "modprobe $m failed"
done

P9='trans=virtio,version=9p2000.L,msize=262144'
mount -t 9p -o "$P9,ro,cache=loose" hostroot /newroot || die "cannot mount the host root (9p tag hostroot)"
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp || die "tmpfs /tmp"
mount -t tmpfs -o mode=755 tmpfs /newroot/run || die "tmpfs /run"
mount -t proc proc /newroot/proc || die "proc"
mount -t sysfs sysfs /newroot/sys || die "sysfs"
mount -t devtmpfs devtmpfs /newroot/dev || die "devtmpfs"
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm
mkdir -p /newroot/run/vm
mount -t 9p -o "$P9,rw" job /newroot/run/vm || die "cannot mount the job share (9p tag job)"

# The project is mounted at the same absolute path as on the host. A path under /tmp or /run
# lies in the guest's fresh tmpfs, so its mount point is made there first.
read -r project < /newroot/run/vm/project-dir || die "no project-dir in the job share"
case "$project" in
/tmp/* | /run/*) mkdir -p "/newroot$project" ;;
esac
mount -t 9p -o "$P9,ro,cache=loose" project "/newroot$project" || die "cannot mount the project at $project"

ip link set lo up || die "ip link set lo up"
hostname kernel-vm
# Inherited through chroot by the job: which schedulers this kernel has (all loaded above).
export IPVS_SCHEDULERS="$(cat /etc/vm/schedulers)"
export KERNEL_VM_RELEASE="$(uname -r)"

stty -F /dev/ttyS1 raw -echo 2>/dev/null
# Backstop for the host's timeout: if the host runner itself dies, the VM still goes away.
if read -r limit < /newroot/run/vm/timeout-s && [ -n "$limit" ]; then
	(sleep "$limit"; die "guest watchdog: job still running after ${limit}s") &
fi
# Through a FIFO rather than a pipe: once the job has exited, whatever it left running is killed,
# so a leaked background process that still holds the output cannot keep the VM up.
mkfifo /job-output
cat /job-output >/dev/ttyS1 &
relay=$!
say "job start $(cut -d' ' -f1 /proc/uptime)s"
chroot /newroot /bin/sh /run/vm/job.sh </dev/null >/job-output 2>&1
rc=$?
for p in /proc/[0-9]*; do
	pid=${p#/proc/}
	[ "$pid" = 1 ] || [ "$pid" = "$relay" ] || kill -9 "$pid" 2>/dev/null
done
wait "$relay"
echo "$rc" > /newroot/run/vm/exit-code
say "job exit $rc at $(cut -d' ' -f1 /proc/uptime)s"
sync
umount /newroot/run/vm
poweroff -f
sleep 10
