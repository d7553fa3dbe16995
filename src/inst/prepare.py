"""One path from resolved distributions to wheels on this machine, for every command
that needs them (install, wheel, download, and build environments): files fetched in
parallel and hash-checked, sdists and source trees built, PEP 610 ``direct_url``
worked out, and the wheels checked and unpacked before anything is installed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from inst._records import dataclass
from inst.errors import InstError
from inst.models import DistFile, SourceTree

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from inst.download import (
        Downloaded,
        Downloader,
        DownloadReporter,
        DownloadRequest,
    )
    from inst.install.installation import WheelToInstall
    from inst.install.unpacked import UnpackedWheel, UnpackedWheels
    from inst.resolution.candidates import FileCandidate
    from inst.resolution.resolver import ResolvedDist
    from inst.wheel.problems import InvalidWheel

#: The hashes a file must match, per distribution (default: the user's --hash values).
HashPolicy = Callable[["ResolvedDist[FileCandidate]"], Mapping[str, frozenset[str]]]


@dataclass(frozen=True)
class Fetched:
    """How a wheel that is installed as it came was fetched (to fetch it again)."""

    request: DownloadRequest
    result: Downloaded


@dataclass(frozen=True)
class PreparedWheel:
    """A resolved distribution as a wheel on disk, with what an install records."""

    dist: ResolvedDist[FileCandidate]
    wheel: WheelToInstall
    built_here: bool  # a build of this run made it (not the wheel cache)
    fetched: Fetched | None  # a wheel from an index, a link or a path, as it came
    source_sha256: str | None  # of the file fetched (wheel or sdist); None for a tree

    @property
    def name(self) -> NormalizedName:
        return self.dist.name


class WheelBuilder(Protocol):
    """What the preparer needs of the build layer (a SourceBuilder, or the session's
    stand-in that makes one on the first build)."""

    def build_wheel(self, source: Path, name: str | None) -> Path: ...

    def built_here(self, wheel: Path) -> bool: ...


class Preparer:
    """Turns resolved distributions into local wheels with the run's downloader and
    builder; reporter hears of cached wheels dropped (the downloader's reporter)."""

    def __init__(
        self,
        downloader: Downloader,
        builder: WheelBuilder,
        reporter: DownloadReporter | None = None,
    ) -> None:
        from inst.download import DownloadReporter

        self._downloader = downloader
        self._builder = builder
        self._reporter = reporter or DownloadReporter()

    def download(
        self, dists: Sequence[ResolvedDist[FileCandidate]], dest_dir: Path
    ) -> list[Downloaded]:
        """The files as they are, saved into dest_dir too (``inst download``); a local
        project has nothing to download, as in pip."""
        from inst.download import DownloadRequest

        # Only the --hash values: the downloader checks the index's own hashes
        # anyway, and their intersection would hide which failed.
        return self._downloader.fetch_all(
            [
                DownloadRequest(d.candidate.file, d.hashes, dest_dir=dest_dir)
                for d in dists
                if isinstance(d.candidate.file, DistFile)
            ]
        )

    def prepare(
        self,
        dists: Sequence[ResolvedDist[FileCandidate]],
        *,
        hashes: HashPolicy | None = None,
    ) -> list[PreparedWheel]:
        """A wheel for each distribution, in order: files fetched in parallel, then
        sdists and trees built one at a time."""
        from inst.download import DownloadRequest

        def allowed(dist: ResolvedDist[FileCandidate]) -> Mapping[str, frozenset[str]]:
            return dist.hashes if hashes is None else hashes(dist)

        requests = {
            d.name: DownloadRequest(d.candidate.file, allowed(d))
            for d in dists
            if isinstance(d.candidate.file, DistFile)
        }
        results = self._downloader.fetch_all(list(requests.values()))
        fetched = {
            name: Fetched(request, result)
            for (name, request), result in zip(requests.items(), results)
        }
        return [
            self._built_tree(dist, file)
            if isinstance(file := dist.candidate.file, SourceTree)
            else self._wheel_of(dist, fetched[dist.name])
            for dist in dists
        ]

    def _built_tree(
        self, dist: ResolvedDist[FileCandidate], tree: SourceTree
    ) -> PreparedWheel:
        from inst.install.installation import WheelToInstall
        from inst.resolution.direct import tree_direct_url

        path = self._builder.build_wheel(tree.path, None)
        wheel = WheelToInstall(
            path=path,
            built=True,
            requested=dist.requested,
            direct_url=tree_direct_url(dist.candidate),
        )
        return PreparedWheel(dist, wheel, self._builder.built_here(path), None, None)

    def _wheel_of(
        self, dist: ResolvedDist[FileCandidate], fetched: Fetched
    ) -> PreparedWheel:
        """The wheel fetched, or the one built from the sdist fetched."""
        from inst.install.installation import WheelToInstall
        from inst.resolution.direct import archive_direct_url

        result = fetched.result
        direct_url = archive_direct_url(dist.candidate, result.sha256)
        if result.file.is_wheel:
            wheel = WheelToInstall(
                path=result.path,
                sha256=result.sha256,
                requested=dist.requested,
                direct_url=direct_url,
            )
            return PreparedWheel(dist, wheel, False, fetched, result.sha256)
        path = self._builder.build_wheel(result.path, dist.name)
        wheel = WheelToInstall(
            path=path, built=True, requested=dist.requested, direct_url=direct_url
        )
        built_here = self._builder.built_here(path)
        return PreparedWheel(dist, wheel, built_here, None, result.sha256)

    def unpack(
        self, prepared: Sequence[PreparedWheel], cache: UnpackedWheels
    ) -> list[tuple[WheelToInstall, UnpackedWheel]]:
        """Every wheel checked and unpacked. A refused wheel never stays in the
        download cache; one that came from there (an earlier run) is downloaded once
        more and checked again: the cached copy may be what was damaged."""
        from inst.install.installation import unpack_all
        from inst.wheel.problems import InvalidWheel

        wheels = [p.wheel for p in prepared]
        try:
            return list(zip(wheels, unpack_all(wheels, cache)))
        except InvalidWheel as refusal:
            index = self._refetchable(prepared, refusal)
        fetched = prepared[index].fetched
        assert fetched is not None  # _refetchable only names fetched wheels
        again = self._downloader.fetch(fetched.request)
        wheels[index] = dataclasses.replace(
            wheels[index], path=again.path, sha256=again.sha256
        )
        try:
            return list(zip(wheels, unpack_all(wheels, cache)))
        except InvalidWheel as refusal:
            if refusal.wheel == again.path.name:
                self._downloader.discard(again.path)
            raise

    def _refetchable(
        self, prepared: Sequence[PreparedWheel], refusal: InvalidWheel
    ) -> int:
        """The position of the refused wheel if it is worth fetching again (it came
        from the download cache); else the refusal is raised as the error."""
        for index, item in enumerate(prepared):
            if item.wheel.path.name != refusal.wheel:
                continue
            if item.wheel.built:
                raise refused_build(refusal, item.wheel.path) from None
            if item.fetched is None:
                break
            result = item.fetched.result
            if not self._downloader.discard(result.path) or not result.from_cache:
                break
            self._reporter.warning(
                f"the cached copy of {refusal.wheel} cannot be installed "
                f"({refusal.why}); it is dropped and downloaded again"
            )
            return index
        raise refusal


def check_built(
    prepared: Sequence[PreparedWheel],
    warn: Callable[[str], None] | None = None,
) -> list[tuple[PreparedWheel, InvalidWheel]]:
    """The wheels built in this run that break a rule installers check, each with its
    refusal (``inst wheel`` keeps them, with a warning, as pip wheel does); warn hears
    what the checks say of a wheel they accept anyway."""
    from inst.wheel.checks import inspect_wheel
    from inst.wheel.problems import InvalidWheel

    problems = []
    for item in prepared:
        if not item.built_here:
            continue
        try:
            inspect_wheel(item.wheel.path, warn=warn)
        except InvalidWheel as refused:
            problems.append((item, refused))
    return problems


def refused_build(refusal: InstError, wheel: Path) -> InstError:
    """A wheel built here that inst will not install: it leaves the wheel cache (nothing
    that fails a check stays in a cache), and the hint fits a build, not a download."""
    from inst.build.wheel_cache import WheelCache

    WheelCache.forget(wheel)
    return InstError(
        refusal.what,
        why=refusal.why,
        hint="the project's build backend made it so: report the problem to the "
        "project's maintainers (inst wheel saves such a wheel, with a warning)",
    )
