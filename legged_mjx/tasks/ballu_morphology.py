"""BALLU morphology: designs, the scaling law that turns leg lengths into a model, and the compiled
model of each design.

A design is (femur_length, tibia_length, spcf, GCR). The two lengths change the MJCF (link
geometry, masses, inertias, joint and foot positions), so each distinct pair is a compiled model
(`design_model`); the spring coefficient and the gravity compensation ratio are control-law
parameters and stay per-environment numbers.

Lengths follow the public Isaac Lab BALLU project's morphology generator: femur_length is hip to
knee (nominal 0.36501 m, the knee joint's offset in the femur frame), tibia_length is knee to the
electronics at the lower end of the tibia (nominal 0.32 m); below that the electronics, motor arm
and foot (the foot 0.06485 m further) are a fixed assembly.

Scaling law (the generator's: every link's mass is its volume times a constant density, inertias
are those of uniform cylinders; here applied to the URDF links, so the nominal design is exactly the
shipped model). In each leg link's frame y runs along the link, from the joint down:
- femur: a uniform tube. Stretched to length L at constant density and cross-section (s = L / L0),
  every point moves y -> s y, the mass becomes s m, and the second moment of mass about the hip,
  Sigma = sum(r r^T dm), becomes s S Sigma S with S = diag(1, s, 1): the inertia across the link
  grows as s^3 (the m L^2 / 12 of a rod), the inertia about its axis as s.
- tibia: a tube from the knee to y = L0 (0.32 m), radius 0.005 m, with the femur's mass per length
  (0.00944 kg / 0.36501 m, the generator gives femur and tibia one density and radius), plus the
  rest of the URDF link (electronics, foot, motor-arm mount: the link minus that tube) as a rigid
  lump. The tube stretches as the femur does; the lump moves down by L - L0 (parallel-axis theorem).
Geoms, sites and child bodies on a link move with the material they sit on: y -> s y on a tube
(the femur's knee, the tibia's cylinder and IMU site), y + (L - L0) beyond the tibia's tube (foot,
foot site, motor arm).
"""

from dataclasses import dataclass

import mujoco
import numpy as np

from legged_mjx.errors import UserError

FEMUR_LENGTH = 0.36501  # m, hip -> knee (URDF knee joint origin)
TIBIA_LENGTH = 0.32  # m, knee -> electronics (the Isaac project's GeometryParams.tibia_length)
ELECTRONICS_LENGTH = 0.06  # m, below the tibia (the Isaac project's GeometryParams.electronics_length)
TUBE_RADIUS = 0.005  # m, the leg tubes (URDF collision cylinders, the Isaac project's limb_radius)
SIDES = ("LEFT", "RIGHT")
FOOT_BELOW_TIBIA = 0.38485 - TIBIA_LENGTH  # m, the URDF foot's offset beyond the tibia tube
PARAM_NAMES = ("femur_length", "tibia_length", "spcf", "gcr")  # the morphology vector, in this order


def leg_length(femur_length: float, tibia_length: float) -> float:
    """Hip to foot-sphere centre with the knee straight (m)."""
    return femur_length + tibia_length + FOOT_BELOW_TIBIA


@dataclass(frozen=True)
class Design:
    """One BALLU body: leg lengths (m) and, if given, its knee spring coefficient (N m / rad) and
    GCR; None means "from the task config" (its value, or its range sampled per environment)."""

    name: str
    femur_length: float = FEMUR_LENGTH
    tibia_length: float = TIBIA_LENGTH
    spcf: float | None = None
    GCR: float | None = None


def _ratio_design(name: str, femur_ratio: float, total: float) -> Design:
    """The Isaac project's create_morphology_variant: femur = ratio x total leg length, tibia = the
    rest less the electronics (total = femur + tibia + electronics)."""
    return Design(name, femur_ratio * total, (1.0 - femur_ratio) * total - ELECTRONICS_LENGTH)


NOMINAL_TOTAL = FEMUR_LENGTH + TIBIA_LENGTH + ELECTRONICS_LENGTH  # 0.74501 m
NOMINAL_RATIO = FEMUR_LENGTH / NOMINAL_TOTAL
# Named designs: the shipped robot and the Isaac project's examples (femur-to-limb ratios at the
# nominal total leg length; a 0.9 m leg at the nominal ratio).
NAMED_DESIGNS = {
    design.name: design
    for design in [
        Design("nominal"),
        *(_ratio_design(f"fl_{r:.2f}", r, NOMINAL_TOTAL) for r in (0.35, 0.40, 0.45, 0.50, 0.55)),
        _ratio_design("long_legs_0.9m", NOMINAL_RATIO, 0.9),
    ]
}
DESIGN_KEYS = ("name", "femur_length", "tibia_length", "spcf", "GCR")
LENGTH_LIMITS = (0.1, 1.0)  # m: each length must lie inside (the Isaac project validates 0.1-2.0 m legs)


def parse_design(item, index: int) -> Design:
    """A design from the config: a name in NAMED_DESIGNS, or a dict with keys from DESIGN_KEYS."""
    if isinstance(item, str):
        if item not in NAMED_DESIGNS:
            raise UserError(f"unknown BALLU design '{item}' (known: {', '.join(NAMED_DESIGNS)})")
        return NAMED_DESIGNS[item]
    if not isinstance(item, dict):
        raise UserError(f"env.designs[{index}] must be a design name or a dict, got {item!r}")
    unknown = sorted(set(item) - set(DESIGN_KEYS))
    if unknown:
        raise UserError(f"env.designs[{index}]: unknown keys {', '.join(unknown)} (known: {', '.join(DESIGN_KEYS)})")
    base = NAMED_DESIGNS.get(item.get("name"), Design(f"design_{index}"))
    values = {key: item[key] for key in DESIGN_KEYS if key in item}
    for key, value in values.items():
        if key != "name" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise UserError(f"env.designs[{index}].{key} needs a number, got {value!r}")
    return check_design(Design(**{**base.__dict__, **values}))


def check_design(design: Design) -> Design:
    lo, hi = LENGTH_LIMITS
    for key in ("femur_length", "tibia_length"):
        value = getattr(design, key)
        if not lo < value < hi:
            raise UserError(f"design {design.name}: {key} {value} m is outside ({lo}, {hi}) m")
    if design.spcf is not None and design.spcf < 0:
        raise UserError(f"design {design.name}: spcf must be >= 0, got {design.spcf}")
    if design.GCR is not None and design.GCR <= 0:
        raise UserError(f"design {design.name}: GCR must be > 0, got {design.GCR}")
    return design


def grid(femur_range, tibia_range, buckets: int, femur: float, tibia: float) -> list:
    """Designs on a buckets x buckets grid of evenly spaced lengths (ends included); a range of
    None holds that length at the given value."""
    femurs = np.linspace(*femur_range, buckets) if femur_range is not None else [femur]
    tibias = np.linspace(*tibia_range, buckets) if tibia_range is not None else [tibia]
    return [check_design(Design(f"f{f:.3f}_t{t:.3f}", float(f), float(t))) for f in femurs for t in tibias]


# ----- the scaling law ----------------------------------------------------------------------
def _matrix(fullinertia) -> np.ndarray:
    """MuJoCo's fullinertia (ixx iyy izz ixy ixz iyz) as a symmetric 3x3 matrix."""
    ixx, iyy, izz, ixy, ixz, iyz = fullinertia
    return np.array([[ixx, ixy, ixz], [ixy, iyy, iyz], [ixz, iyz, izz]])


@dataclass(frozen=True)
class MassMoments:
    """A mass distribution by its moments about a link frame's origin: mass m (kg), first moment
    h = sum(r dm) (kg m) and second moment Sigma = sum(r r^T dm) (kg m^2)."""

    m: float
    h: np.ndarray
    sigma: np.ndarray

    @staticmethod
    def of_body(mass: float, com, fullinertia) -> "MassMoments":
        """From a body's mass, centre of mass and inertia about it (MJCF `fullinertia`)."""
        com, inertia = np.asarray(com, float), _matrix(fullinertia)
        sigma_com = 0.5 * np.trace(inertia) * np.eye(3) - inertia  # inertia = tr(Sigma) 1 - Sigma
        return MassMoments(mass, mass * com, sigma_com + mass * np.outer(com, com))

    @staticmethod
    def rod(mass: float, length: float, radius: float) -> "MassMoments":
        """A uniform solid cylinder along +y from the origin to y = length."""
        sigma = np.diag([mass * radius**2 / 4, mass * length**2 / 3, mass * radius**2 / 4])
        return MassMoments(mass, np.array([0.0, mass * length / 2, 0.0]), sigma)

    def __add__(self, other):
        return MassMoments(self.m + other.m, self.h + other.h, self.sigma + other.sigma)

    def __sub__(self, other):
        return MassMoments(self.m - other.m, self.h - other.h, self.sigma - other.sigma)

    def stretched(self, s: float) -> "MassMoments":
        """Every point y -> s y at constant density and cross-section: m -> s m, h -> s S h,
        Sigma -> s S Sigma S (S = diag(1, s, 1))."""
        S = np.diag([1.0, s, 1.0])
        return MassMoments(s * self.m, s * S @ self.h, s * S @ self.sigma @ S)

    def moved(self, dy: float) -> "MassMoments":
        """The same rigid mass moved by dy along y (parallel-axis theorem)."""
        d = np.array([0.0, dy, 0.0])
        sigma = self.sigma + np.outer(self.h, d) + np.outer(d, self.h) + self.m * np.outer(d, d)
        return MassMoments(self.m, self.h + self.m * d, sigma)

    def body(self) -> tuple:
        """(mass, centre of mass, fullinertia about it) for the MJCF; a UserError if no rigid body
        has these moments (the inertia about the centre of mass must be positive definite)."""
        com = self.h / self.m
        sigma_com = self.sigma - self.m * np.outer(com, com)
        if self.m <= 0 or np.linalg.eigvalsh(sigma_com).min() <= 0:
            raise UserError("the BALLU scaling law gave a link with no valid mass distribution")
        inertia = np.trace(sigma_com) * np.eye(3) - sigma_com
        return self.m, com, inertia[[0, 1, 2, 0, 0, 1], [0, 1, 2, 1, 2, 2]]


def _move_attachments(body, position_of) -> None:
    """Geoms, sites and child bodies of an MjSpec body moved to position_of(y) along the link."""

    def moved(pos):
        pos = np.array(pos, float)
        pos[1] = position_of(pos[1])
        return pos

    for geom in body.geoms:
        if np.isnan(geom.fromto[0]):
            geom.pos = moved(geom.pos)
        else:
            geom.fromto = np.concatenate([moved(geom.fromto[:3]), moved(geom.fromto[3:])])
    for site in body.sites:
        site.pos = moved(site.pos)
    for child in body.bodies:
        child.pos = moved(child.pos)


def _set_inertial(body, moments: MassMoments) -> None:
    body.mass, body.ipos, body.fullinertia = moments.body()


def _link_moments(body) -> MassMoments:
    return MassMoments.of_body(body.mass, body.ipos, body.fullinertia)


def reshape_legs(spec: mujoco.MjSpec, femur_length: float, tibia_length: float) -> None:
    """Edit a BALLU MjSpec (nominal legs) in place to the given leg lengths by the scaling law."""
    for side in SIDES:
        femur, tibia = spec.body(f"FEMUR_{side}"), spec.body(f"TIBIA_{side}")
        if femur is None or tibia is None:
            raise UserError(f"the model has no FEMUR_{side} / TIBIA_{side} bodies to reshape")
        femur0 = float(tibia.pos[1])
        if not np.isclose(femur0, FEMUR_LENGTH):
            raise UserError(f"the model's femur is {femur0} m long, the scaling law starts from {FEMUR_LENGTH} m")
        density = femur.mass / femur0  # kg/m, the femur's and the tibia tube's
        s_femur, s_tibia, shift = femur_length / femur0, tibia_length / TIBIA_LENGTH, tibia_length - TIBIA_LENGTH

        _set_inertial(femur, _link_moments(femur).stretched(s_femur))
        _move_attachments(femur, lambda y: s_femur * y)

        tube = MassMoments.rod(density * TIBIA_LENGTH, TIBIA_LENGTH, TUBE_RADIUS)
        lump = _link_moments(tibia) - tube
        _set_inertial(tibia, tube.stretched(s_tibia) + lump.moved(shift))
        _move_attachments(tibia, lambda y: s_tibia * y if y <= TIBIA_LENGTH else y + shift)


def design_model(spec: mujoco.MjSpec, design: Design) -> mujoco.MjModel:
    """The compiled model of `design` (the spec is copied, not changed)."""
    spec = spec.copy()
    reshape_legs(spec, design.femur_length, design.tibia_length)
    return spec.compile()


def designs_of(env) -> list:
    """The designs of a BALLU env config: its `designs` list (which replaces the length ranges),
    else the grid of its length ranges, else the one design of its femur_length and tibia_length."""
    ranged = env.femur_length_range is not None or env.tibia_length_range is not None
    if env.designs is not None:
        if not isinstance(env.designs, list) or not env.designs:
            raise UserError(f"env.designs needs a non-empty list of designs, got {env.designs!r}")
        return [parse_design(item, index) for index, item in enumerate(env.designs)]
    if ranged:
        return grid(
            env.femur_length_range, env.tibia_length_range, env.length_buckets, env.femur_length, env.tibia_length
        )
    return [check_design(Design("config", env.femur_length, env.tibia_length))]
