FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
RUN pip install --no-cache-dir .
ENV STUDYBOT_DATABASE=/data/studybot.db
VOLUME /data
ENTRYPOINT ["studybot"]
CMD ["console"]
