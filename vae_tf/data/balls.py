"""Bouncing-balls generator (Sutskever's RTRBM balls, as used by the balls β-VAE recreation).

Physics, restated from the original: a square box of side ``BOX`` units holds ``num_balls``
balls of radius ``RADIUS`` and equal mass. The joint velocity (an ``n x 2`` standard normal
matrix) is rescaled to Frobenius norm ``SPEED``. Every frame records the positions, then runs
``SUBSTEPS`` sub-steps of: move by ``DT * v``; optional friction (gravity towards larger row
index while the ball is off the floor, then a proportional drag); wall reflection (the velocity
component is forced inward when a ball pokes out of the box); equal-mass elastic collisions
(the velocity components along the line of centres are exchanged, see :func:`_substep` for the
two corrections).

Everything is vectorised over a leading batch of independent trajectories, so the i.i.d.
training stream can simulate thousands of trajectories at once.

Coordinates are ``(column, row)`` in box units; pixel ``k`` of a ``res``-pixel axis has its
centre at ``(k + 0.5) * BOX / res``.
"""

import numpy as np

BOX = 10.0
RADIUS = 1.2
SPEED = 0.5
SUBSTEPS = 2
DT = 1.0 / SUBSTEPS
GRAVITY = 0.003
DRAG = 0.005
# Start positions are drawn uniformly from [START_LOW, BOX)^2 and rejected until every ball is
# inside the box and no two balls overlap (the original's rule).
START_LOW = 2.0
# Frames of one trajectory in the original training batches: the i.i.d. stream draws each frame
# at a uniform time in [0, HORIZON) of its own trajectory, which keeps the original marginal.
HORIZON = 128
# Most balls a start can hold in practice: a random start is accepted when no ball pokes out
# and no two overlap, which happens for 1-7 balls in about 72 %, 37 %, 13 %, 3.1 %, 0.44 %,
# 0.031 % and 0.001 % of draws (tests/test_crash_safety.py measures it). Beyond 6 fewer than
# 1 draw in 10,000 succeeds and the stream would all but stop.
MAX_BALLS = 6


def check_num_balls(num_balls):
    if int(num_balls) != num_balls or not 1 <= num_balls <= MAX_BALLS:
        raise ValueError(f"num_balls must be an integer from 1 to {MAX_BALLS}, got "
                         f"{num_balls!r}")
    return int(num_balls)


def _overlapping(x):
    """Boolean [batch]: some pair of balls in the trajectory overlaps. x: [batch, n, 2]."""
    diff = x[:, :, None, :] - x[:, None, :, :]
    dist = np.sqrt(np.sum(diff**2, axis=-1))
    n = x.shape[1]
    dist[:, np.arange(n), np.arange(n)] = np.inf
    return np.any(dist < 2 * RADIUS, axis=(1, 2))


def initial_state(num_balls, rng, batch=1):
    """Random start positions and velocities, each ``[batch, num_balls, 2]`` float64."""
    num_balls = check_num_balls(num_balls)
    x = np.empty((batch, num_balls, 2))
    todo = np.ones(batch, dtype=bool)
    while todo.any():
        x[todo] = rng.uniform(START_LOW, BOX, size=(int(todo.sum()), num_balls, 2))
        outside = np.any((x - RADIUS < 0) | (x + RADIUS > BOX), axis=(1, 2))
        todo = outside | _overlapping(x)
    v = rng.standard_normal((batch, num_balls, 2))
    v *= SPEED / np.sqrt(np.sum(v**2, axis=(1, 2), keepdims=True))
    return x, v


def _substep(x, v, friction):
    """One physics sub-step, in place on x, v: [batch, n, 2]."""
    x += DT * v
    if friction:
        off_floor = x[..., 1] + RADIUS < BOX
        v[..., 1] += GRAVITY * off_floor
        v -= DRAG * v
    # Wall reflection: force the offending component to point back into the box.
    np.copysign(v, 1.0, out=v, where=x - RADIUS < 0)
    np.copysign(v, -1.0, out=v, where=x + RADIUS > BOX)
    # Equal-mass elastic collisions: exchange the velocity components along the line of
    # centres. Two corrections to the original: only approaching pairs collide (so a pair that
    # still overlaps after a bounce separates instead of sticking), and the overlap is undone
    # by moving both balls apart along the line of centres (so rendered balls never
    # interpenetrate; the original let them overlap by up to a sub-step's travel).
    n = x.shape[1]
    for i in range(n):
        for j in range(i):
            w = x[:, i] - x[:, j]
            close = np.flatnonzero(np.sum(w**2, axis=-1) < (2 * RADIUS) ** 2)
            if close.size == 0:
                continue
            w = w[close]
            dist = np.sqrt(np.sum(w**2, axis=-1, keepdims=True))
            w /= np.maximum(dist, 1e-12)
            u_i = np.sum(w * v[close, i], axis=-1, keepdims=True)
            u_j = np.sum(w * v[close, j], axis=-1, keepdims=True)
            approaching = u_i - u_j < 0
            exchange = np.where(approaching, u_j - u_i, 0.0) * w
            push = np.where(approaching, 0.5 * (2 * RADIUS - dist), 0.0) * w
            v[close, i] += exchange
            v[close, j] -= exchange
            x[close, i] += push
            x[close, j] -= push


def simulate_positions(num_frames, num_balls, rng, friction=False, batch=1):
    """Positions and velocities of ``batch`` independent trajectories.

    Returns ``(positions, velocities)``, each float64 ``[batch, num_frames, num_balls, 2]``;
    the velocity of frame t is the one in force when frame t was recorded.
    """
    x, v = initial_state(num_balls, rng, batch)
    positions = np.empty((batch, num_frames) + x.shape[1:])
    velocities = np.empty_like(positions)
    for t in range(num_frames):
        positions[:, t] = x
        velocities[:, t] = v
        for _ in range(SUBSTEPS):
            _substep(x, v, friction)
    return positions, velocities


def render(positions, resolution=32):
    """Super-Gaussian balls: ``I = min(1, sum_i exp(-(|p - x_i|^2 / r^2)^4))``.

    positions: ``[..., num_balls, 2]`` in box units (column, row).
    Returns float32 ``[..., resolution, resolution, 1]`` in [0, 1].
    """
    positions = np.asarray(positions, dtype=np.float32)
    centres = (np.arange(resolution, dtype=np.float32) + 0.5) * (BOX / resolution)
    col = positions[..., 0, None, None]  # [..., n, 1, 1]
    row = positions[..., 1, None, None]
    d2 = (centres[None, :] - col) ** 2 + (centres[:, None] - row) ** 2  # [..., n, res, res]
    q = np.square(np.square(d2 * np.float32(1 / RADIUS**2)))  # (|p - x|^2 / r^2)^4
    intensity = np.exp(-q).sum(axis=-3)
    return np.minimum(intensity, 1.0)[..., None]


def simulate(num_frames, num_balls=1, resolution=32, friction=False, seed=None):
    """One trajectory of bouncing balls.

    Returns ``(frames, positions)``: frames float32 ``[T, res, res, 1]`` in [0, 1] and positions
    float32 ``[T, num_balls, 2]`` in box units (column, row). The same seed gives the same
    trajectory.
    """
    rng = np.random.default_rng(seed)
    positions, _ = simulate_positions(num_frames, num_balls, rng, friction)
    positions = positions[0].astype(np.float32)
    return render(positions, resolution), positions


def sample_iid(num, num_balls, rng, resolution=32, friction=False, horizon=HORIZON):
    """``num`` frames, each from its own trajectory at a uniform time in ``[0, horizon)``.

    Same marginal distribution as the original's training frames, without the correlation of
    consecutive frames. Returns ``(frames, positions)`` as :func:`simulate`, in random order.
    Trajectories are simulated longest first, and each stops at its own time, which halves the
    work of simulating every trajectory to the longest time.
    """
    times = np.sort(rng.integers(0, horizon, size=num))[::-1]
    x, v = initial_state(num_balls, rng, num)
    positions = np.empty_like(x)
    for t in range(int(times[0]) + 1):
        # times is descending: trajectories [0, running) go on, [running, ending) end now.
        running = np.count_nonzero(times > t)
        ending = running + np.count_nonzero(times == t)
        positions[running:ending] = x[running:ending]
        for _ in range(SUBSTEPS):
            _substep(x[:running], v[:running], friction)
    positions = positions[rng.permutation(num)].astype(np.float32)
    return render(positions, resolution), positions
