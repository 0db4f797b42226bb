"""The pair book: every mentoring relationship of a run, active or ended.

A *board* is one mentee with its mentor(s): one mentor in the one-to-one format, ``group_size``
mentors in the group format (a junior board advising one executive). Boards and their mentor
links are kept as growing numpy arrays (struct of arrays) referring to *person ids*, which
survive promotions into other slots. A link ends (``link_end``) when its mentor leaves a board
that goes on (a junior board continues with the others, and may take a replacement).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ACTIVE, COMPLETED, DISSOLVED, ENDED_BY_DEPARTURE = 0, 1, 2, 3
STATUS_NAMES = {
    ACTIVE: "active",
    COMPLETED: "completed",
    DISSOLVED: "dissolved_early",
    ENDED_BY_DEPARTURE: "ended_by_departure",
}

_BOARD_FIELDS = {
    "mentee": np.int64,
    "wave": np.int32,
    "start": np.int32,
    "planned_end": np.int32,
    "end": np.int32,
    "status": np.int8,
    "quality": np.float64,
    "quality_start": np.float64,
    "compatibility": np.float64,
    "meetings_held": np.int32,
    "meetings_missed": np.int32,
    "meetings_planned": np.float64,
    "cross_department": np.bool_,
    "repair_round": np.int16,
}


class _Column:
    """A board column of the pair book: the first ``n_boards`` entries of its array (a view)."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc

    def __get__(self, book: PairBook | None, owner: type) -> np.ndarray:
        if book is None:
            return self  # type: ignore[return-value]  (the descriptor itself, on the class)
        return book.boards[self.name][: book.n_boards]


@dataclass
class PairBook:
    """All boards and links of a run, in arrays that grow by doubling."""

    boards: dict[str, np.ndarray] = field(
        default_factory=lambda: {k: np.zeros(16, t) for k, t in _BOARD_FIELDS.items()}
    )
    link_board: np.ndarray = field(default_factory=lambda: np.zeros(16, np.int64))
    link_mentor: np.ndarray = field(default_factory=lambda: np.zeros(16, np.int64))
    link_leadership_start: np.ndarray = field(default_factory=lambda: np.zeros(16, np.float64))
    link_end: np.ndarray = field(default_factory=lambda: np.full(16, -1, np.int32))
    """Week each link's mentor left its board (-1 while they sit on it)."""
    link_tied: np.ndarray = field(default_factory=lambda: np.zeros(16, np.bool_))
    """Whether the link's mentor has met the mentee (their mentoring tie exists)."""
    n_boards: int = 0
    n_links: int = 0

    mentee = _Column("mentee", "Person id of each board's mentee.")
    wave = _Column("wave", "Wave the board was formed in (-1 for a re-pairing).")
    start = _Column("start", "Week the board started.")
    planned_end = _Column("planned_end", "Week the board is planned to end.")
    end = _Column("end", "Week the board ended (-1 while active).")
    status = _Column("status", "Status code (ACTIVE, COMPLETED, DISSOLVED, ENDED_BY_DEPARTURE).")
    quality = _Column("quality", "Relationship quality now.")
    quality_start = _Column("quality_start", "Relationship quality at the start.")
    compatibility = _Column("compatibility", "Compatibility of mentor(s) and mentee.")
    meetings_held = _Column("meetings_held", "Meetings held so far.")
    meetings_missed = _Column("meetings_missed", "Planned meetings missed so far.")
    meetings_planned = _Column("meetings_planned", "Meetings planned so far.")
    cross_department = _Column("cross_department", "A mentor is in another department.")
    repair_round = _Column("repair_round", "How many times the mentee was re-paired before.")

    @property
    def links(self) -> tuple[np.ndarray, np.ndarray]:
        """(board, mentor person) of every link."""
        return self.link_board[: self.n_links], self.link_mentor[: self.n_links]

    def add(self, mentee: int, mentors: tuple[int, ...], **values) -> int:
        """Add one board; return its index."""
        self._grow_boards(self.n_boards + 1)
        b = self.n_boards
        for key, arr in self.boards.items():
            arr[b] = values.get(key, 0)
        self.boards["mentee"][b] = mentee
        self.n_boards += 1
        for m in mentors:
            self.add_link(b, m)
        return b

    def add_link(self, board: int, mentor: int) -> int:
        """Seat ``mentor`` (a person id) on ``board``; return the link's index."""
        self._grow_links(self.n_links + 1)
        link = self.n_links
        self.link_board[link], self.link_mentor[link] = board, mentor
        self.link_end[link], self.link_tied[link] = -1, False
        self.n_links += 1
        return link

    @property
    def seated(self) -> np.ndarray:
        """Whether each link's mentor still sits on the board (has not left it)."""
        return self.link_end[: self.n_links] < 0

    def set_leadership_start(self, values: np.ndarray, start: int) -> None:
        """Record the mentors' leadership at the start of links ``start`` onward."""
        self.link_leadership_start[start : self.n_links] = values

    def _grow_boards(self, need: int) -> None:
        cap = len(self.boards["mentee"])
        if need > cap:
            new = max(need, 2 * cap)
            for key, arr in self.boards.items():
                grown = np.zeros(new, arr.dtype)
                grown[:cap] = arr
                self.boards[key] = grown

    def _grow_links(self, need: int) -> None:
        cap = len(self.link_board)
        if need > cap:
            new = max(need, 2 * cap)
            for name in (
                "link_board",
                "link_mentor",
                "link_leadership_start",
                "link_end",
                "link_tied",
            ):
                arr = getattr(self, name)
                grown = np.full(new, -1 if name == "link_end" else 0, arr.dtype)
                grown[:cap] = arr
                setattr(self, name, grown)

    def active(self) -> np.ndarray:
        """Indices of the active boards."""
        return np.flatnonzero(self.status == ACTIVE)

    def to_frame(self) -> pd.DataFrame:
        """Every board's history: one row per board, mentors joined by '+'.

        ``mentors`` lists everyone who sat on the board (replacements after those they
        replaced); ``mentors_left`` those who left the organization while on it.
        """
        board, mentor = self.links
        mentors: list[list[str]] = [[] for _ in range(self.n_boards)]
        left: list[list[str]] = [[] for _ in range(self.n_boards)]
        seated = self.seated.tolist()
        for b, m, here in zip(board.tolist(), mentor.tolist(), seated, strict=True):
            mentors[b].append(str(m))
            if not here:
                left[b].append(str(m))
        frame = pd.DataFrame({k: self.boards[k][: self.n_boards].copy() for k in _BOARD_FIELDS})
        frame.insert(0, "board", np.arange(self.n_boards))
        frame.insert(2, "mentors", ["+".join(m) for m in mentors])
        frame.insert(3, "mentors_left", ["+".join(m) for m in left])
        frame["status"] = frame["status"].map(STATUS_NAMES)
        return frame
