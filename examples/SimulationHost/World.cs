namespace SimulationHost;

/// <summary>
/// A headless 2-D world: agents steer towards moving targets around round obstacles. An
/// episode gives every agent a fresh start and target; an agent succeeds when it touches its
/// target before the episode ends.
/// </summary>
public sealed class World
{
    public const int Features = 8, Actions = 2;
    public const float Size = 100f, MaxSpeed = 1.5f, MaxAccel = 0.25f, Reach = 3f, Sense = 15f;

    private readonly Random _rng;
    public readonly int Agents;
    public readonly float[] X, Y, Vx, Vy, Tx, Ty, TPhase;
    public readonly bool[] Reached;
    public readonly (float X, float Y, float R)[] Obstacles;

    public World(int agents, int seed)
    {
        _rng = new Random(seed);
        Agents = agents;
        X = new float[agents]; Y = new float[agents]; Vx = new float[agents]; Vy = new float[agents];
        Tx = new float[agents]; Ty = new float[agents]; TPhase = new float[agents];
        Reached = new bool[agents];
        Obstacles = new[] { (30f, 30f, 8f), (70f, 35f, 10f), (40f, 70f, 9f), (75f, 75f, 7f), (50f, 50f, 5f) };
        StartEpisode();
    }

    private bool Inside(float x, float y, float margin)
    {
        foreach (var o in Obstacles) if ((x - o.X) * (x - o.X) + (y - o.Y) * (y - o.Y) < (o.R + margin) * (o.R + margin)) return true;
        return false;
    }

    // A point at least `margin` clear of every obstacle and `edge` clear of the walls.
    private (float, float) FreePoint(float margin, float edge)
    {
        while (true)
        {
            float x = edge + (Size - 2 * edge) * (float)_rng.NextDouble(), y = edge + (Size - 2 * edge) * (float)_rng.NextDouble();
            if (!Inside(x, y, margin)) return (x, y);
        }
    }

    /// <summary>New starts and targets for every agent.</summary>
    public void StartEpisode()
    {
        for (int i = 0; i < Agents; i++)
        {
            (X[i], Y[i]) = FreePoint(3, 5);
            Vx[i] = Vy[i] = 0;
            // Targets drift on circles of radius 7.5: keep the whole circle clear and reachable.
            (Tx[i], Ty[i]) = FreePoint(12, 10);
            TPhase[i] = (float)(_rng.NextDouble() * Math.PI * 2);
            Reached[i] = false;
        }
    }

    /// <summary>A fresh start and target for agent <paramref name="i"/> alone (a learner's episode ended).</summary>
    public void Respawn(int i)
    {
        (X[i], Y[i]) = FreePoint(3, 5);
        Vx[i] = Vy[i] = 0;
        (Tx[i], Ty[i]) = FreePoint(12, 10);
        TPhase[i] = (float)(_rng.NextDouble() * Math.PI * 2);
        Reached[i] = false;
    }

    /// <summary>The share of agents that reached their target this episode.</summary>
    public double SuccessShare()
    {
        int n = 0;
        foreach (var r in Reached) if (r) n++;
        return (double)n / Agents;
    }

    private (float Dx, float Dy, float Dist, float Prox) NearestObstacle(int i)
    {
        float best = float.MaxValue, bx = 0, by = 0;
        foreach (var o in Obstacles)
        {
            float dx = o.X - X[i], dy = o.Y - Y[i];
            float d = MathF.Sqrt(dx * dx + dy * dy) - o.R;
            if (d < best) { best = d; float len = MathF.Max(1e-4f, MathF.Sqrt(dx * dx + dy * dy)); bx = dx / len; by = dy / len; }
        }
        float prox = MathF.Max(0, 1 - best / Sense);
        return (bx * prox, by * prox, best, prox);
    }

    /// <summary>What agent i senses, scaled to about [-1, 1]: the policy's input.</summary>
    public void Observe(int i, Span<float> f)
    {
        float dx = Tx[i] - X[i], dy = Ty[i] - Y[i];
        float d = MathF.Sqrt(dx * dx + dy * dy);
        var (ox, oy, _, prox) = NearestObstacle(i);
        f[0] = dx / 50; f[1] = dy / 50;
        f[2] = Vx[i] / MaxSpeed; f[3] = Vy[i] / MaxSpeed;
        f[4] = ox; f[5] = oy; f[6] = prox;
        f[7] = MathF.Min(1, d / 50);
    }

    /// <summary>
    /// The hand-written controller: head for the target; when an obstacle lies ahead, bend the
    /// heading along its tangent on the target's side, the more the closer it is.
    /// </summary>
    public void Expert(int i, Span<float> action)
    {
        float dx = Tx[i] - X[i], dy = Ty[i] - Y[i];
        float d = MathF.Max(1e-4f, MathF.Sqrt(dx * dx + dy * dy));
        float hx = dx / d, hy = dy / d;
        var (ox, oy, surface, prox) = NearestObstacle(i);
        if (prox > 0 && surface < d)
        {
            float len = MathF.Max(1e-4f, MathF.Sqrt(ox * ox + oy * oy));
            float ux = ox / len, uy = oy / len;                  // towards the obstacle's centre
            float ahead = ux * hx + uy * hy;
            if (ahead > 0)
            {
                float tx = -uy, ty = ux;                         // a tangent, on the target's side
                if (tx * hx + ty * hy < 0) { tx = -tx; ty = -ty; }
                float w = MathF.Min(1, prox * 1.5f) * ahead;
                hx = hx * (1 - w) + tx * w - ux * w * 0.3f;
                hy = hy * (1 - w) + ty * w - uy * w * 0.3f;
                float hl = MathF.Max(1e-4f, MathF.Sqrt(hx * hx + hy * hy));
                hx /= hl; hy /= hl;
            }
        }
        float speed = MathF.Min(MaxSpeed, d / 4);
        float ax = hx * speed - Vx[i], ay = hy * speed - Vy[i];
        float a = MathF.Sqrt(ax * ax + ay * ay);
        if (a > MaxAccel) { ax *= MaxAccel / a; ay *= MaxAccel / a; }
        action[0] = ax / MaxAccel;
        action[1] = ay / MaxAccel;
    }

    /// <summary>Applies each agent's action (scaled to [-1, 1]) and moves everything one frame.</summary>
    public void Step(ReadOnlySpan<float> actions, int frame)
    {
        for (int i = 0; i < Agents; i++)
        {
            // Targets drift on small circles.
            Tx[i] += 0.15f * MathF.Cos(TPhase[i] + frame * 0.02f);
            Ty[i] += 0.15f * MathF.Sin(TPhase[i] + frame * 0.02f);
            Tx[i] = Math.Clamp(Tx[i], 2, Size - 2); Ty[i] = Math.Clamp(Ty[i], 2, Size - 2);
            if (Reached[i]) { Vx[i] = Vy[i] = 0; continue; }
            float ax = Math.Clamp(actions[2 * i], -1, 1) * MaxAccel, ay = Math.Clamp(actions[2 * i + 1], -1, 1) * MaxAccel;
            Vx[i] += ax; Vy[i] += ay;
            float v = MathF.Sqrt(Vx[i] * Vx[i] + Vy[i] * Vy[i]);
            if (v > MaxSpeed) { Vx[i] *= MaxSpeed / v; Vy[i] *= MaxSpeed / v; }
            X[i] = Math.Clamp(X[i] + Vx[i], 0, Size); Y[i] = Math.Clamp(Y[i] + Vy[i], 0, Size);
            foreach (var o in Obstacles)
            {
                float dx = X[i] - o.X, dy = Y[i] - o.Y, d = MathF.Sqrt(dx * dx + dy * dy);
                if (d < o.R) { X[i] = o.X + dx / MathF.Max(d, 1e-4f) * o.R; Y[i] = o.Y + dy / MathF.Max(d, 1e-4f) * o.R; Vx[i] *= 0.5f; Vy[i] *= 0.5f; }
            }
            float tx = Tx[i] - X[i], ty = Ty[i] - Y[i];
            if (tx * tx + ty * ty < Reach * Reach) Reached[i] = true;
        }
    }
}
